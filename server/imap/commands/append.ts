import { AUTHENTICATED, command, no, ok, type CommandEntry } from '../command.js';
import { catenate, MAX_CAT_PARTS, type CatPart } from '../catenate.js';
import { folderKeywords, keywordLimit } from '../keywords.js';
import { readDateTime, type Reader } from '../parser.js';
import { formatUidSet } from '../sequence-set.js';
import type { Session } from '../session.js';
import { readMailbox } from './mailbox-args.js';

/** Most messages one MULTIAPPEND may carry (their bytes together are held to the literal limit by the framer). */
export const MAX_APPEND_MESSAGES = 1_000;

interface AppendMessage {
  flags: string[];
  date: Date | undefined;
  /** The message's literal, or its RFC 4469 CATENATE parts. */
  parts: CatPart[];
}

/**
 * The message: a literal; a literal8 `~{n}` (RFC 3516 §4.4: binary content, NUL
 * allowed, kept byte for byte); or RFC 6855 §4 `UTF8 (~{n}…)` — a message whose headers
 * may hold raw UTF-8, only for a client that enabled UTF8=ACCEPT (or IMAP4rev2).
 */
function readMessage(r: Reader, session: Session): Buffer {
  if (r.peek() === 0x7e) return r.literal8Bytes();
  if (!r.word('UTF8 ')) return r.literalBytes();
  if (!session.utf8) r.fail('APPEND UTF8 needs ENABLE UTF8=ACCEPT first');
  r.expect('(');
  const raw = r.literal8Bytes();
  r.expect(')');
  return raw;
}

/** The longest CATENATE URL taken: BADURL echoes it, so a 50 MB literal must not pass. */
const MAX_URL = 8192;

/**
 * RFC 5092 §3: an IMAP URL is printable text (anything else percent-encoded), so a
 * control byte (NUL, bare CR) or an oversized URL is refused before BADURL would echo it.
 */
function readUrl(r: Reader): string {
  const url = r.astring();
  if (url.length > MAX_URL) r.fail(`CATENATE URL longer than ${MAX_URL} characters`);
  if (/[\x00-\x1f\x7f]/.test(url)) r.fail('CATENATE URL holds a control character');
  return url;
}

/** RFC 4469 §5: `CATENATE (TEXT literal / URL astring …)`. */
function readCatenate(r: Reader): CatPart[] {
  const parts = r.list((): CatPart => {
    if (r.word('TEXT ')) return { kind: 'text', bytes: r.peek() === 0x7e ? r.literal8Bytes() : r.literalBytes() };
    if (r.word('URL ')) return { kind: 'url', url: readUrl(r) };
    return r.fail('expected TEXT or URL');
  }, false);
  if (parts.length > MAX_CAT_PARTS) r.fail(`at most ${MAX_CAT_PARTS} CATENATE parts`);
  return parts;
}

/** RFC 3502 append-message: `[flag-list SP] [date-time SP] (literal / CATENATE (…))`. */
function readAppendMessage(r: Reader, session: Session): AppendMessage {
  let flags: string[] = [];
  if (r.peek() === 0x28) {
    flags = r.list(() => r.flag());
    r.sp();
  }
  let date: Date | undefined;
  if (r.peek() === 0x22) {
    date = readDateTime(r);
    r.sp();
  }
  const parts = r.word('CATENATE ') ? readCatenate(r) : [{ kind: 'text' as const, bytes: readMessage(r, session) }];
  return { flags: flags.filter((f) => f.toLowerCase() !== '\\recent'), date, parts };
}

/**
 * RFC 3501 §6.3.11 APPEND, with RFC 4315 APPENDUID; the literal may be LITERAL+ (RFC 7888).
 * RFC 3502 MULTIAPPEND: several messages in one command, kept all or none (§3), so every
 * message is built and checked before the first is stored.
 */
const append = command({
  name: 'APPEND',
  states: AUTHENTICATED,
  parse(r, session) {
    r.sp();
    const mailbox = readMailbox(r, session);
    const messages: AppendMessage[] = [];
    r.sp();
    messages.push(readAppendMessage(r, session));
    while (r.maybeSp()) {
      if (messages.length === MAX_APPEND_MESSAGES) r.fail(`at most ${MAX_APPEND_MESSAGES} messages in one APPEND`);
      messages.push(readAppendMessage(r, session));
    }
    return { mailbox, messages };
  },
  async run(session, { mailbox, messages }) {
    const folder = session.store.folder(session.user, mailbox);
    // RFC 3501 §6.3.11: TRYCREATE tells the client it may CREATE and retry.
    if (!folder) return no(`No mailbox ${mailbox}`, 'TRYCREATE');
    // Bounded as STORE's (keywords.ts); the folder is only looked through when a keyword is set.
    const keywords = messages.flatMap((message) => message.flags).filter((flag) => !flag.startsWith('\\'));
    const limit = keywords.length > 0 ? keywordLimit(folderKeywords(folder), keywords) : null;
    if (limit) return limit;
    const raws: Buffer[] = [];
    for (const message of messages) {
      const only = message.parts[0];
      // A plain literal is copied out of the command's buffer; CATENATE builds a new one.
      const raw = message.parts.length === 1 && only?.kind === 'text' ? Buffer.from(only.bytes) : await catenate(session, message.parts, session.ctx.config.imapMaxLiteral);
      if (!Buffer.isBuffer(raw)) return raw;
      if (raw.length === 0) return no('Empty message');
      raws.push(raw);
    }
    // The same delivery service as SMTP: size limit, tags, all or none, and the OK only once committed.
    const result = await session.access.delivery.deliverAll(
      messages.map(({ flags, date }, i) => ({
        raw: raws[i] as Buffer,
        envelope: { mailFrom: '', rcptTo: [] },
        flags,
        ...(date ? { receivedAt: date } : {}),
        filing: { login: session.user, folder: folder.name },
        client: { via: 'imap', address: session.conn.remoteAddress, username: session.account, secure: session.conn.secure },
      })),
    );
    // RFC 4469 §5 / RFC 5530 §3: TOOBIG for a message past the limit; UNAVAILABLE for a failure worth retrying.
    if (!result.ok) return result.refusal.reason === 'too-large' ? no(`Message exceeds the maximum size of ${result.refusal.maxSize} bytes`, 'TOOBIG') : no('Could not save the message, try again', 'UNAVAILABLE');
    // Looked up again: a shared store may have read its index again from the log while
    // the write waited (another node compacted it), and the folder object taken above is
    // then the old index's, which the new messages are not in.
    const filedIn = session.store.folder(session.user, folder.name) ?? folder;
    const uids: number[] = [];
    for (const stored of result.messages) {
      const entries = filedIn.entries;
      for (let at = entries.length - 1; at >= 0; at--) {
        if (entries[at]?.message !== stored) continue;
        uids.push(entries[at]?.uid as number);
        break;
      }
    }
    return ok('APPEND completed', uids.length === messages.length ? `APPENDUID ${filedIn.uidValidity} ${formatUidSet(uids)}` : undefined);
  },
});

export const appendCommands: CommandEntry[] = [append];
