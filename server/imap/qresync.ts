import type { Reader } from './parser.js';
import { LAST_RESULT, readSequenceSet, type SequenceSet } from './sequence-set.js';
import type { Session } from './session.js';
import { formatRanges, intersect, normalise, type UidRange } from './uid-ranges.js';

/** The most sequence-number/UID pairs a client may send as seq-match-data. */
const MAX_MATCH_PAIRS = 10_000;

/** The largest UID there can be (RFC 3501 §2.3.1.1: 32-bit). */
const MAX_UID = 0xffffffff;

/** RFC 7162 §3.2.5: what the client knew when it last had the mailbox open. */
export interface QresyncParams {
  uidValidity: number;
  modseq: number;
  /** known-uids, normalised; null when not given (then every UID below UIDNEXT). */
  known: UidRange[] | null;
  /** seq-match-data: message numbers and the UIDs the client had for them. */
  match: { seqs: number[]; uids: number[] } | null;
}

/** A sequence set of plain numbers: `*` and `$` mean nothing in a client's cache. */
function readPlainSet(r: Reader, what: string): UidRange[] {
  const set = readSequenceSet(r);
  const ranges: UidRange[] = [];
  for (const range of set) {
    if (range === LAST_RESULT || range.from === '*' || range.to === '*') r.fail(`${what} cannot hold * or $`);
    ranges.push([range.from, range.to]);
  }
  return ranges;
}

function expand(r: Reader, ranges: readonly UidRange[], what: string): number[] {
  const out: number[] = [];
  for (const [from, to] of ranges) {
    if (from > to || (out.length > 0 && from <= (out[out.length - 1] as number))) r.fail(`${what} must be ascending`);
    if (out.length + (to - from + 1) > MAX_MATCH_PAIRS) r.fail(`${what} too long`);
    for (let n = from; n <= to; n++) out.push(n);
  }
  return out;
}

/** seq-match-data: `(known-sequence-set known-uid-set)`, pairwise. */
function readMatch(r: Reader): NonNullable<QresyncParams['match']> {
  r.expect('(');
  const seqs = expand(r, readPlainSet(r, 'known sequence set'), 'known sequence set');
  r.sp();
  const uids = expand(r, readPlainSet(r, 'known UID set'), 'known UID set');
  r.expect(')');
  if (seqs.length !== uids.length) r.fail('seq-match-data needs as many UIDs as message numbers');
  return { seqs, uids };
}

/** `(uidvalidity modseq [known-uids] [(known-sequence-set known-uid-set)])`, after `QRESYNC SP`. */
export function readQresyncParams(r: Reader): QresyncParams {
  r.expect('(');
  r.enter();
  const uidValidity = r.number32();
  if (uidValidity === 0) r.fail('UIDVALIDITY is a non-zero number');
  r.sp();
  const modseq = r.number64();
  let known: UidRange[] | null = null;
  let match: QresyncParams['match'] = null;
  if (r.maybeSp()) {
    if (r.peek() === 0x28) match = readMatch(r);
    else {
      known = normalise(readPlainSet(r, 'known-uids'));
      if (r.maybeSp()) match = readMatch(r);
    }
  }
  r.expect(')');
  r.leave();
  return { uidValidity, modseq, known, match };
}

/**
 * The UIDs a client names for VANISHED (EARLIER): `*` reaches UIDNEXT-1, since a
 * client that writes `1:*` means every UID it may have seen, including those above
 * the highest one left.
 */
export function knownUids(session: Session, set: SequenceSet): UidRange[] {
  const view = session.view;
  if (!view) return [];
  const star = view.folder.uidNext - 1;
  const ranges: UidRange[] = [];
  for (const range of set) {
    if (range === LAST_RESULT) {
      for (const uid of session.searchResult) ranges.push([uid, uid]);
      continue;
    }
    ranges.push([range.from === '*' ? star : range.from, range.to === '*' ? star : range.to]);
  }
  return normalise(ranges);
}

/** `* VANISHED (EARLIER) …` for the known UIDs that left after `since`, if any did (RFC 7162 §3.2.6). */
export function sendVanishedEarlier(session: Session, since: number, known: readonly UidRange[]): void {
  const view = session.view;
  if (!view) return;
  const gone = session.space.history.vanished(view.login, view.folder, since, known);
  if (gone.length > 0) session.untagged(`VANISHED (EARLIER) ${formatRanges(gone)}`);
}

/**
 * RFC 7162 §3.2.5.1: after SELECT's usual responses, what changed since the client's
 * mod-sequence: VANISHED (EARLIER) first, then a FETCH for each changed message it knows.
 * A UIDVALIDITY that does not match means the client must start over: nothing more is sent.
 */
export function resync(session: Session, params: QresyncParams): void {
  const view = session.view;
  if (!view || params.uidValidity !== view.folder.uidValidity) return;
  const known: readonly UidRange[] = params.known ?? (view.folder.uidNext > 1 ? [[1, view.folder.uidNext - 1]] : []);
  // §3.2.5.2: each leading pair that still matches shows the client knows every
  // expunge up to that UID.
  let from = 1;
  if (params.match) {
    params.match.seqs.every((seq, i) => {
      const uid = params.match?.uids[i] as number;
      if (view.uids[seq - 1] !== uid) return false;
      from = uid + 1;
      return true;
    });
  }
  sendVanishedEarlier(session, params.modseq, intersect(known, [[from, MAX_UID]]));
  view.uids.forEach((uid, i) => {
    const message = view.messages[i];
    if (!message || message.modseq <= params.modseq || !inRanges(known, uid)) return;
    session.untagged(`${i + 1} FETCH (UID ${uid} FLAGS ${session.flagList(view, uid, message)} MODSEQ (${message.modseq}))`);
  });
}

function inRanges(ranges: readonly UidRange[], uid: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const [a, b] = ranges[mid] as UidRange;
    if (uid < a) hi = mid - 1;
    else if (uid > b) lo = mid + 1;
    else return true;
  }
  return false;
}
