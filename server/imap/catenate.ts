/**
 * RFC 4469 CATENATE: a message made of TEXT literals and the bytes IMAP URLs name in
 * the same account. Every URL is checked before anything is stored (§5: BADURL), and
 * the whole is held to the APPEND size limit as it grows (§5: TOOBIG).
 */
import { normaliseFolderName } from '../store/folders.js';
import { no, type Status } from './command.js';
import { readSection } from './fetch-items.js';
import { sectionBytes } from './fetch-render.js';
import { parseMessageUrl } from './imap-url.js';
import { ParseError, Reader } from './parser.js';
import type { Session } from './session.js';

export type CatPart = { kind: 'text'; bytes: Buffer } | { kind: 'url'; url: string };

/** Most parts one CATENATE may have. */
export const MAX_CAT_PARTS = 100;

/** The bytes a URL names, or null when it names nothing this login may read (or the message is gone). */
async function urlBytes(session: Session, url: string): Promise<Buffer | null> {
  const parsed = parseMessageUrl(url);
  if (!parsed) return null;
  // An absolute URL must name this login (RFC 4469 §5: a URL outside the account is BADURL).
  if (parsed.user !== undefined && !session.ctx.signIn.sameMailbox(parsed.user, session.account)) return null;
  const folder = session.store.folder(session.user, normaliseFolderName(parsed.mailbox));
  if (!folder || (parsed.uidValidity !== undefined && parsed.uidValidity !== folder.uidValidity)) return null;
  const entry = session.store.folderEntry(session.user, folder.name, parsed.uid);
  if (!entry) return null;
  const raw = await session.store.readRaw(entry.message.id);
  if (!raw) return null;
  let bytes = raw;
  if (parsed.section) {
    try {
      const r = new Reader(Buffer.from(`[${parsed.section}]`, 'utf8'));
      const section = readSection(r);
      r.end();
      bytes = sectionBytes(entry.message, raw, section);
    } catch (error) {
      if (error instanceof ParseError) return null;
      throw error;
    }
  }
  if (!parsed.partial) return bytes;
  const start = Math.min(parsed.partial.start, bytes.length);
  return bytes.subarray(start, parsed.partial.length === undefined ? bytes.length : start + parsed.partial.length);
}

/** The catenated message, or the NO that refuses it. */
export async function catenate(session: Session, parts: readonly CatPart[], limit: number): Promise<Buffer | Status> {
  const chunks: Buffer[] = [];
  let size = 0;
  for (const part of parts) {
    const bytes = part.kind === 'text' ? part.bytes : await urlBytes(session, part.url);
    // RFC 4469 §6: the code carries the URL (APPEND refused control bytes); `]` cannot appear inside a response code.
    if (!bytes) return no('CATENATE URL names no message of this account', `BADURL ${part.kind === 'url' ? part.url.replaceAll(']', '') : ''}`);
    size += bytes.length;
    if (size > limit) return no(`Message larger than ${limit} bytes`, 'TOOBIG');
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size);
}
