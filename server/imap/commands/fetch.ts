import { SEEN, type StoredMessage } from '../../store/types.js';
import { bad, command, no, ok, SELECTED, type CommandEntry } from '../command.js';
import { literalPrefix, withoutNul, type ImapOutput } from '../encode.js';
import { readFetchRequest, type FetchItem, type FetchRequest } from '../fetch-items.js';
import { binaryBytes, prepareFetch, readsBytes, renderBodyStructure, renderEnvelope, sectionBytes, unknownCte } from '../fetch-render.js';
import { BYTES_WINDOW, bytesGiven, readBytes, windows } from '../held-bytes.js';
import type { MailboxView } from '../mailbox-view.js';
import { formatDateTime } from '../parser.js';
import { readSequenceSet, type SequenceSet } from '../sequence-set.js';
import { knownUids, sendVanishedEarlier } from '../qresync.js';
import type { Session } from '../session.js';

/** Messages written between checks for a slow reader (backpressure). */
const DRAIN_EVERY = 64;

/** Whether fetching the item sets \Seen (RFC 3501 §6.4.5: BODY[…] and RFC822(.TEXT), not PEEK). */
function setsSeen(item: FetchItem): boolean {
  return ((item.kind === 'section' || item.kind === 'binary') && !item.peek) || (item.kind === 'rfc822' && item.name !== 'RFC822.HEADER');
}

const EMPTY = Buffer.alloc(0);

/** A literal of stored bytes: the prefix as text, the bytes as they are (no copy). */
function literalOf(bytes: Buffer): ImapOutput[] {
  return [literalPrefix(bytes.length), bytes];
}

/**
 * A plain literal of stored bytes, for a client that did not ask for BINARY: a NUL
 * cannot travel in it (RFC 3516 §4.2), so any is sent as 0x80.
 */
function textLiteralOf(bytes: Buffer): ImapOutput[] {
  return literalOf(withoutNul(bytes));
}

/** One message as a FETCH response names it, with its bytes when the items read them. */
export interface FetchTarget {
  seq: number;
  uid: number;
  message: StoredMessage;
  raw: Buffer | undefined;
}

function renderItem(session: Session, view: MailboxView, item: FetchItem, { uid, message, raw }: FetchTarget): ImapOutput[] {
  const utf8 = session.utf8;
  switch (item.kind) {
    case 'simple':
      switch (item.name) {
        case 'FLAGS':
          return [`FLAGS ${session.flagList(view, uid, message)}`];
        case 'UID':
          return [`UID ${uid}`];
        case 'INTERNALDATE':
          return [`INTERNALDATE ${formatDateTime(message.receivedAt)}`];
        case 'RFC822.SIZE':
          return [`RFC822.SIZE ${message.size}`];
        case 'MODSEQ':
          return [`MODSEQ (${message.modseq})`];
        case 'ENVELOPE':
          return ['ENVELOPE ', renderEnvelope(message, raw, utf8)];
        case 'BODY':
          return ['BODY ', renderBodyStructure(message, raw, false, utf8)];
        case 'BODYSTRUCTURE':
          return ['BODYSTRUCTURE ', renderBodyStructure(message, raw, true, utf8)];
      }
      break;
    case 'rfc822': {
      const section = item.name === 'RFC822' ? '' : item.name === 'RFC822.HEADER' ? 'HEADER' : 'TEXT';
      const bytes = sectionBytes(message, bytesGiven(raw), { part: [], text: section, fields: [] });
      return [`${item.name} `, ...textLiteralOf(bytes)];
    }
    case 'section': {
      let bytes = sectionBytes(message, bytesGiven(raw), item.section);
      const name = `BODY${item.label}`;
      if (item.partial) {
        // RFC 3501 §6.4.5: the response names the origin octet only.
        const { offset, length } = item.partial;
        bytes = offset >= bytes.length ? EMPTY : bytes.subarray(offset, offset + length);
        return [`${name}<${offset}> `, ...textLiteralOf(bytes)];
      }
      return [`${name} `, ...textLiteralOf(bytes)];
    }
    case 'binary': {
      const label = `[${item.part.join('.')}]`;
      let bytes = binaryBytes(message, bytesGiven(raw), item.part);
      if (item.size) return [`BINARY.SIZE${label} ${bytes ? bytes.length : 0}`];
      if (!bytes) return [`BINARY${label} NIL`];
      let name = `BINARY${label}`;
      if (item.partial) {
        const { offset, length } = item.partial;
        bytes = offset >= bytes.length ? EMPTY : bytes.subarray(offset, offset + length);
        name += `<${offset}>`;
      }
      // RFC 3516 §4.2: bytes holding NUL travel as a literal8.
      return bytes.includes(0) ? [`${name} ~`, ...literalOf(bytes)] : [`${name} `, ...literalOf(bytes)];
    }
  }
  return [];
}

/** `* n FETCH (item…` for one message, without the closing parenthesis. */
function fetchItems(session: Session, view: MailboxView, items: readonly FetchItem[], target: FetchTarget): ImapOutput[] {
  const chunks: ImapOutput[] = [`* ${target.seq} FETCH (`];
  items.forEach((item, n) => {
    if (n > 0) chunks.push(' ');
    chunks.push(...renderItem(session, view, item, target));
  });
  return chunks;
}

/** The view's messages at these indexes, with the bytes the items read of them (undefined for a message gone from the store). */
export async function fetchTargets(session: Session, view: MailboxView, items: readonly FetchItem[], indexes: readonly number[]): Promise<FetchTarget[]> {
  const targets = indexes.map((i): FetchTarget => ({ seq: i + 1, uid: view.uids[i] as number, message: view.messages[i] as StoredMessage, raw: undefined }));
  const reading = targets.filter((t) => readsBytes(t.message, items, session.utf8));
  if (reading.length === 0) return targets;
  const bytes = await readBytes(session.store, reading.map((t) => t.message));
  reading.forEach((target, n) => (target.raw = bytes[n]));
  await prepareFetch(reading, items);
  return targets;
}

/** Whether the target can be rendered: it has its bytes, or the items read none. */
export function renderable(target: FetchTarget, items: readonly FetchItem[], utf8: boolean): boolean {
  return target.raw !== undefined || !readsBytes(target.message, items, utf8);
}

/** A whole unsolicited FETCH response (RFC 5465 §5.2): it reports, never sets \Seen. */
export function renderFetch(session: Session, view: MailboxView, items: readonly FetchItem[], target: FetchTarget): Buffer {
  const chunks = [...fetchItems(session, view, items, target), ')\r\n'];
  return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
}

/** RFC 3501 §6.4.5 FETCH and §6.4.8 UID FETCH, with RFC 7162 MODSEQ, CHANGEDSINCE and VANISHED. */
function fetchCommand(uid: boolean) {
  return command<{ set: SequenceSet; request: FetchRequest }>({
    name: uid ? 'UID FETCH' : 'FETCH',
    states: SELECTED,
    holdsExpunges: !uid,
    parse(r, session) {
      r.sp();
      const set = readSequenceSet(r);
      r.sp();
      const request = readFetchRequest(r);
      // RFC 7162 §3.2.6: VANISHED is a UID FETCH modifier, once QRESYNC is enabled.
      if (request.vanished && !(uid && session.qresync)) r.fail('VANISHED needs UID FETCH and ENABLE QRESYNC');
      return { set, request };
    },
    async run(session, { set, request }, call) {
      const view = session.view;
      if (!view) return no('No mailbox selected');
      const found = session.resolve(set, uid);
      if (found === 'invalid') return bad('Invalid message sequence number');
      const items = [...request.items];
      const has = (name: string) => items.some((i) => i.kind === 'simple' && i.name === name);
      // RFC 3501 §6.4.8: UID FETCH always reports the UID.
      if (uid && !has('UID')) items.unshift({ kind: 'simple', name: 'UID' });
      if (request.changedSince !== null && !has('MODSEQ')) items.push({ kind: 'simple', name: 'MODSEQ' });
      if (has('MODSEQ')) session.enableCondstore();
      const changedSince = request.changedSince;
      const indexes = changedSince === null ? found : found.filter((i) => (view.messages[i] as StoredMessage).modseq > changedSince);
      if (request.vanished && changedSince !== null) sendVanishedEarlier(session, changedSince, knownUids(session, set));
      // RFC 3516 §4.3 / RFC 9051 §7.1: a part that cannot be decoded fails the whole
      // FETCH before any of it is sent (and before \Seen is set).
      const binaryParts = items.flatMap((item) => (item.kind === 'binary' ? [item.part] : []));
      if (binaryParts.length > 0) {
        for (const window of windows(indexes)) {
          const targets = await fetchTargets(session, view, items, window);
          if (targets.some((t) => t.raw !== undefined && binaryParts.some((part) => unknownCte(t.message, t.raw as Buffer, part)))) {
            return no('Cannot decode the Content-Transfer-Encoding of a requested part', 'UNKNOWN-CTE');
          }
        }
      }

      let seen = new Set<StoredMessage>();
      if (!view.readOnly && items.some(setsSeen)) {
        const unseen = indexes.map((i) => view.messages[i] as StoredMessage).filter((m) => !m.flags.has(SEEN));
        if (unseen.length > 0) seen = new Set(await session.store.setFlags(unseen.map((m) => m.id), 'add', [SEEN]));
      }
      const reportsFlags = has('FLAGS');
      let written = 0;
      let gone = 0;
      let targets: FetchTarget[] = [];
      for (const [n, i] of indexes.entries()) {
        // The bytes of a window of messages at a time (held-bytes.ts), let go once it is written.
        if (n % BYTES_WINDOW === 0) targets = await fetchTargets(session, view, items, indexes.slice(n, n + BYTES_WINDOW));
        const target = targets[n % BYTES_WINDOW] as FetchTarget;
        if (!renderable(target, items, session.utf8)) {
          // Removed from the store by another session since this one was told of it:
          // its FETCH response is left out and the command says why (RFC 2180 §4.1.2).
          gone++;
          continue;
        }
        const message = view.messages[i] as StoredMessage;
        const messageUid = view.uids[i] as number;
        const chunks = fetchItems(session, view, items, target);
        if (seen.has(message)) {
          // RFC 3501 §6.4.5: a \Seen set by this FETCH is reported with it.
          if (!reportsFlags) chunks.push(` FLAGS ${session.flagList(view, messageUid, message)}`);
          // RFC 7162 §3.1: with CONDSTORE on, a FETCH that sets \Seen carries the UID and the
          // new MODSEQ too, so a client that syncs by MODSEQ does not fetch the change again.
          if (session.condstore) {
            if (!has('UID')) chunks.push(` UID ${messageUid}`);
            if (!has('MODSEQ')) chunks.push(` MODSEQ (${message.modseq})`);
          }
        }
        if (seen.has(message) || reportsFlags) view.reported(message);
        chunks.push(')\r\n');
        for (const chunk of chunks) session.write(chunk);
        if (++written % DRAIN_EVERY === 0) await session.conn.writer.drain();
      }
      // RFC 5530 §3 EXPUNGEISSUED: the client learns of the expunge at its next command. The
      // words are those clients and test tools look for in a server without the code (RFC 2180 §4.1.2).
      if (gone > 0) return no('Some of the requested messages no longer exist (expunged by another session)', 'EXPUNGEISSUED');
      return ok(`${call.name} completed`);
    },
  });
}

export const fetchCommands: CommandEntry[] = [fetchCommand(false), fetchCommand(true)];
