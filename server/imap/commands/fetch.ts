import { SEEN, type StoredMessage } from '../../store/types.js';
import { bad, command, no, ok, SELECTED, type CommandEntry } from '../command.js';
import { literalPrefix, withoutNul, type ImapOutput } from '../encode.js';
import { readFetchRequest, type FetchItem, type FetchRequest } from '../fetch-items.js';
import { binaryBytes, prepareFetch, renderBodyStructure, renderEnvelope, sectionBytes, unknownCte } from '../fetch-render.js';
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

function renderItem(session: Session, view: MailboxView, item: FetchItem, uid: number, message: StoredMessage): ImapOutput[] {
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
          return ['ENVELOPE ', renderEnvelope(message, utf8)];
        case 'BODY':
          return ['BODY ', renderBodyStructure(message, false, utf8)];
        case 'BODYSTRUCTURE':
          return ['BODYSTRUCTURE ', renderBodyStructure(message, true, utf8)];
      }
      break;
    case 'rfc822': {
      const section = item.name === 'RFC822' ? '' : item.name === 'RFC822.HEADER' ? 'HEADER' : 'TEXT';
      const bytes = sectionBytes(message, { part: [], text: section, fields: [] });
      return [`${item.name} `, ...textLiteralOf(bytes)];
    }
    case 'section': {
      let bytes = sectionBytes(message, item.section);
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
      let bytes = binaryBytes(message, item.part);
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

/** `* n FETCH (item…` for the message at a view index, without the closing parenthesis. */
function fetchItems(session: Session, view: MailboxView, items: readonly FetchItem[], index: number): ImapOutput[] {
  const message = view.messages[index] as StoredMessage;
  const uid = view.uids[index] as number;
  const chunks: ImapOutput[] = [`* ${index + 1} FETCH (`];
  items.forEach((item, n) => {
    if (n > 0) chunks.push(' ');
    chunks.push(...renderItem(session, view, item, uid, message));
  });
  return chunks;
}

/** A whole unsolicited FETCH response (RFC 5465 §5.2): it reports, never sets \Seen. */
export function renderFetch(session: Session, view: MailboxView, items: readonly FetchItem[], index: number): Buffer {
  const chunks = [...fetchItems(session, view, items, index), ')\r\n'];
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
      await prepareFetch(indexes.map((i) => view.messages[i] as StoredMessage), items);
      // RFC 3516 §4.3 / RFC 9051 §7.1: a part that cannot be decoded fails the whole
      // FETCH before any of it is sent (and before \Seen is set).
      const binaryParts = items.flatMap((item) => (item.kind === 'binary' ? [item.part] : []));
      if (binaryParts.length > 0 && indexes.some((i) => binaryParts.some((part) => unknownCte(view.messages[i] as StoredMessage, part)))) {
        return no('Cannot decode the Content-Transfer-Encoding of a requested part', 'UNKNOWN-CTE');
      }

      let seen = new Set<StoredMessage>();
      if (!view.readOnly && items.some(setsSeen)) {
        const unseen = indexes.map((i) => view.messages[i] as StoredMessage).filter((m) => !m.flags.has(SEEN));
        if (unseen.length > 0) seen = new Set(await session.store.setFlags(unseen.map((m) => m.id), 'add', [SEEN]));
      }
      const reportsFlags = has('FLAGS');
      let written = 0;
      for (const i of indexes) {
        const message = view.messages[i] as StoredMessage;
        const messageUid = view.uids[i] as number;
        const chunks = fetchItems(session, view, items, i);
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
      return ok(`${call.name} completed`);
    },
  });
}

export const fetchCommands: CommandEntry[] = [fetchCommand(false), fetchCommand(true)];
