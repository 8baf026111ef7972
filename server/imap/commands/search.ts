import { command, no, ok, SELECTED, type CommandEntry, type Invocation } from '../command.js';
import { quoted } from '../encode.js';
import type { MailboxView } from '../mailbox-view.js';
import type { Reader } from '../parser.js';
import type { StoredMessage } from '../../store/types.js';
import { BYTES_WINDOW, readBytes } from '../held-bytes.js';
import { storeBodyHits } from '../../store/search/body-match.js';
import { bodySummary, bodyTexts, matches, mayReadBytes, needsBody, readSearchKey, readsBytes, usesModseq, type Candidate, type SearchKey } from '../search-criteria.js';
import type { SearchContext } from '../search-context.js';
import { esearchLine, partialSlice, readReturnOptions, type ReturnOptions } from '../search-return.js';
import type { SequenceSet } from '../sequence-set.js';
import type { Session } from '../session.js';

/** RFC 4731 result options, RFC 5182 SAVE, RFC 9394 PARTIAL and RFC 5267 UPDATE. */
const RETURN_OPTIONS = new Set(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'PARTIAL', 'UPDATE']);

/** The search program of SEARCH, SORT and THREAD: a charset and the keys. */
export interface SearchCriteria {
  key: SearchKey;
  /** A CHARSET other than UTF-8 or US-ASCII was named. */
  badCharset: boolean;
}

interface SearchArgs extends SearchCriteria {
  /** RFC 4731 ESEARCH result options; null = plain `* SEARCH`. */
  returns: ReturnOptions | null;
}

/** A charset name (RFC 3501 §6.4.4: US-ASCII must be supported; UTF-8 is what text is compared in). */
export function readCharset(r: Reader, session: Session): boolean {
  const charset = r.astring().toUpperCase();
  // RFC 6855 §3 (erratum 4029): after ENABLE UTF8=ACCEPT strings are UTF-8, so another
  // charset label conflicts with them.
  if (session.enabled.has('UTF8=ACCEPT') && charset !== 'UTF-8') r.fail(`CHARSET ${charset.slice(0, 40)} conflicts with UTF8=ACCEPT`);
  return charset !== 'UTF-8' && charset !== 'US-ASCII';
}

/** One or more search keys, ANDed. */
export function readSearchKeys(r: Reader): SearchKey {
  const keys: SearchKey[] = [readSearchKey(r)];
  while (r.maybeSp()) keys.push(readSearchKey(r));
  return keys.length === 1 ? (keys[0] as SearchKey) : { kind: 'and', keys };
}

function readSearch(r: Reader, session: Session): SearchArgs {
  r.sp();
  let returns = readReturnOptions(r, RETURN_OPTIONS);
  let badCharset = false;
  if (r.word('CHARSET ')) {
    badCharset = readCharset(r, session);
    r.sp();
  }
  const key = readSearchKeys(r);
  // RFC 9051: an IMAP4rev2 client always gets ESEARCH.
  if (!returns && session.rev2) returns = { options: new Set(['ALL']), partial: null };
  return { key, returns, badCharset };
}

/**
 * What `SEARCH RETURN (SAVE …)` keeps in `$` (RFC 5182 §2.4): with MIN and/or MAX
 * only those messages, otherwise every match.
 */
function savedPart(found: number[], returns: ReturnOptions): number[] {
  // RFC 9394 §3.2: with PARTIAL, what is saved is what was returned.
  if (returns.partial) return partialSlice(found, returns.partial);
  const min = returns.options.has('MIN');
  const max = returns.options.has('MAX');
  if (found.length === 0 || (!min && !max)) return found;
  const first = found[0] as number;
  const last = found[found.length - 1] as number;
  if (min && max) return first === last ? [first] : [first, last];
  return [min ? first : last];
}

/**
 * The MODSEQ a search with a MODSEQ criterion reports (RFC 7162 §3.1.5): with MIN or
 * MAX alone, that message's; otherwise the highest of every match; 0 when none matched.
 */
function reportedModseq(view: MailboxView, found: readonly number[], returns: ReturnOptions | null): number {
  if (found.length === 0) return 0;
  const modseqAt = (i: number) => view.messages[i]?.modseq ?? 0;
  const options = returns?.options;
  const min = options?.has('MIN') ?? false;
  const max = options?.has('MAX') ?? false;
  if (min !== max && !options?.has('ALL') && !options?.has('COUNT') && !returns?.partial) return modseqAt((min ? found[0] : found[found.length - 1]) as number);
  let highest = 0;
  for (const i of found) highest = Math.max(highest, modseqAt(i));
  return highest;
}

/** The bytes the key reads of the messages in [start, end), by index from start. */
async function windowBytes(session: Session, key: SearchKey, messages: readonly StoredMessage[], start: number, end: number): Promise<Array<Buffer | undefined>> {
  const at: number[] = [];
  for (let i = start; i < end; i++) if (readsBytes(key, messages[i] as StoredMessage)) at.push(i);
  const bytes = await readBytes(session.store, at.map((i) => messages[i] as StoredMessage));
  const held: Array<Buffer | undefined> = new Array(end - start);
  at.forEach((i, n) => (held[i - start] = bytes[n]));
  return held;
}

/**
 * Runs a search over the view; returns matching 0-based indexes in order. The bytes the
 * keys read are read a window of messages at a time; a message whose bytes are gone
 * from the store (expunged by another session) matches nothing, as FETCH leaves it out (RFC 2180 §4.1).
 */
export async function evaluate(session: Session, view: MailboxView, key: SearchKey): Promise<number[]> {
  // ALL (what SORT and THREAD are most often given) needs no look at any message.
  if (key.kind === 'all') return Array.from(view.messages, (_, i) => i);
  const seqCache = new Map<SequenceSet, Set<number>>();
  const uidCache = new Map<SequenceSet, Set<number>>();
  const inSet = (cache: Map<SequenceSet, Set<number>>, set: SequenceSet, index: number, byUid: boolean) => {
    let found = cache.get(set);
    if (!found) {
      const resolved = session.resolve(set, byUid);
      found = new Set(resolved === 'invalid' ? [] : resolved);
      cache.set(set, found);
    }
    return found.has(index);
  };
  const body = needsBody(key);
  const out: number[] = [];
  const { messages, uids } = view;
  // One candidate, refilled per message: a search over every message allocates nothing per message.
  let index = 0;
  const candidate: Candidate = {
    seq: 0,
    uid: 0,
    message: messages[0] as StoredMessage,
    recent: false,
    inSeq: (set: SequenceSet) => inSet(seqCache, set, index, false),
    inUid: (set: SequenceSet) => inSet(uidCache, set, index, true),
    body: undefined,
    // Asked before the scan: a store that keeps body text outside its index searches it there.
    bodyHits: body ? await storeBodyHits(session.store, bodyTexts(key)) : undefined,
    raw: undefined,
  };
  const reads = mayReadBytes(key);
  /** The window's bytes, by index from its start: none for a message the key reads nothing of. */
  let held: Array<Buffer | undefined> = [];
  for (let start = 0; start < messages.length; start += BYTES_WINDOW) {
    const end = Math.min(start + BYTES_WINDOW, messages.length);
    if (reads) held = await windowBytes(session, key, messages, start, end);
    for (index = start; index < end; index++) {
      const message = messages[index] as StoredMessage;
      const uid = uids[index] as number;
      candidate.seq = index + 1;
      candidate.uid = uid;
      candidate.message = message;
      candidate.recent = view.recent.has(uid);
      candidate.raw = held[index - start];
      if (candidate.raw === undefined && reads && readsBytes(key, message)) continue;
      if (body) candidate.body = await bodySummary(message, candidate.raw, session.store);
      if (matches(key, candidate)) out.push(index);
    }
  }
  return out;
}

/** RFC 5267 §4.1: keeps a result live; past the limit, says so with NOUPDATE (§4.4). */
export function keepContext(session: Session, key: SearchKey, kept: Omit<SearchContext, 'search'>): void {
  const context = { ...kept, search: (view: MailboxView) => evaluate(session, view, key) };
  if (!session.contexts.add(context)) session.untagged(`NO [NOUPDATE ${quoted(context.tag)}] Too many live searches; this result will not be updated`);
}

/**
 * A command that runs a search program over the selected mailbox, then answers from
 * the matching view indexes with one untagged line (SORT, THREAD and their UID forms).
 */
export function searchingCommand<Args extends SearchCriteria>(
  name: string,
  parse: (r: Reader, session: Session) => Args,
  answer: (view: MailboxView, found: number[], args: Args, call: Invocation, session: Session) => Promise<string>,
): CommandEntry {
  const uid = name.startsWith('UID ');
  return command<Args>({
    name,
    states: SELECTED,
    holdsExpunges: !uid,
    parse,
    async run(session, args, call) {
      const view = session.view;
      if (!view) return no('No mailbox selected');
      if (args.badCharset) return no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
      session.untagged(await answer(view, await evaluate(session, view, args.key), args, call, session));
      return ok(`${call.name} completed`);
    },
  });
}

function searchCommand(uid: boolean) {
  return command<SearchArgs>({
    name: uid ? 'UID SEARCH' : 'SEARCH',
    states: SELECTED,
    holdsExpunges: !uid,
    parse: readSearch,
    async run(session, { key, returns, badCharset }, call: Invocation) {
      const view = session.view;
      if (!view) return no('No mailbox selected');
      const save = returns?.options.has('SAVE') ?? false;
      if (badCharset) {
        // RFC 5182 §2.1: a failed SEARCH with SAVE leaves `$` empty.
        if (save) session.searchResult = [];
        return no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');
      }
      const modseq = usesModseq(key);
      if (modseq) session.enableCondstore();
      const found = await evaluate(session, view, key);
      if (returns && save) session.searchResult = savedPart(found, returns).map((i) => view.uids[i] as number);
      const numbers = found.map((i) => (uid ? (view.uids[i] as number) : i + 1));
      const highest = modseq ? reportedModseq(view, found, returns) : 0;
      // RFC 5182 §2.4: SAVE alone answers with the tagged OK only.
      if (returns && save && returns.options.size === 1) return ok(`${call.name} completed, result saved`);
      if (returns) {
        // RFC 4731 §3.1 / RFC 9051 §7.3.4
        session.untagged(esearchLine(call.tag, uid, numbers, returns, highest > 0 ? [`MODSEQ ${highest}`] : []));
        if (returns.options.has('UPDATE')) keepContext(session, key, { tag: call.tag, uid, sort: null, result: found.map((i) => view.uids[i] as number) });
      } else {
        const list = numbers.length > 0 ? ' ' + numbers.join(' ') : '';
        session.untagged(`SEARCH${list}${highest > 0 ? ` (MODSEQ ${highest})` : ''}`);
      }
      return ok(`${call.name} completed`);
    },
  });
}

export const searchCommands: CommandEntry[] = [searchCommand(false), searchCommand(true)];
