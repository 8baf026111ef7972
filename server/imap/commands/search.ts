import { command, no, ok, SELECTED, type CommandEntry, type Invocation } from '../command.js';
import { quoted } from '../encode.js';
import type { MailboxView } from '../mailbox-view.js';
import type { Reader } from '../parser.js';
import type { StoredMessage } from '../../store/types.js';
import { bodySummary, matches, needsBody, readSearchKey, usesModseq, type Candidate, type SearchKey } from '../search-criteria.js';
import { formatUidSet, type SequenceSet } from '../sequence-set.js';
import type { Session } from '../session.js';

/** RFC 4731 result options, and RFC 5182 SAVE. */
const RETURN_OPTIONS = new Set(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE']);

interface SearchArgs {
  key: SearchKey;
  /** RFC 4731 ESEARCH result options; null = plain `* SEARCH`. */
  returns: Set<string> | null;
  /** A CHARSET other than UTF-8 or US-ASCII was named. */
  badCharset: boolean;
}

function readSearch(r: Reader, session: Session): SearchArgs {
  r.sp();
  let returns: Set<string> | null = null;
  if (r.word('RETURN ')) {
    returns = new Set(r.list(() => r.atom().toUpperCase()));
    for (const option of returns) if (!RETURN_OPTIONS.has(option)) r.fail(`unsupported RETURN option ${option}`);
    // RFC 4731 §3.1: `RETURN ()` means ALL.
    if (returns.size === 0) returns.add('ALL');
    r.sp();
  }
  let badCharset = false;
  if (r.word('CHARSET ')) {
    // RFC 3501 §6.4.4: US-ASCII must be supported; UTF-8 is what text is compared in.
    const charset = r.astring().toUpperCase();
    // RFC 6855 §3 (erratum 4029): after ENABLE UTF8=ACCEPT strings are UTF-8, so another
    // charset label conflicts with them.
    if (session.enabled.has('UTF8=ACCEPT') && charset !== 'UTF-8') r.fail(`CHARSET ${charset.slice(0, 40)} conflicts with UTF8=ACCEPT`);
    badCharset = charset !== 'UTF-8' && charset !== 'US-ASCII';
    r.sp();
  }
  const keys: SearchKey[] = [readSearchKey(r)];
  while (r.maybeSp()) keys.push(readSearchKey(r));
  // RFC 9051: an IMAP4rev2 client always gets ESEARCH.
  if (!returns && session.rev2) returns = new Set(['ALL']);
  return { key: keys.length === 1 ? (keys[0] as SearchKey) : { kind: 'and', keys }, returns, badCharset };
}

/**
 * What `SEARCH RETURN (SAVE …)` keeps in `$` (RFC 5182 §2.4): with MIN and/or MAX
 * only those messages, otherwise every match.
 */
function savedPart(found: number[], returns: ReadonlySet<string>): number[] {
  const min = returns.has('MIN');
  const max = returns.has('MAX');
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
function reportedModseq(view: MailboxView, found: readonly number[], returns: ReadonlySet<string> | null): number {
  if (found.length === 0) return 0;
  const modseqAt = (i: number) => view.messages[i]?.modseq ?? 0;
  const min = returns?.has('MIN') ?? false;
  const max = returns?.has('MAX') ?? false;
  if (min !== max && !returns?.has('ALL') && !returns?.has('COUNT')) return modseqAt((min ? found[0] : found[found.length - 1]) as number);
  let highest = 0;
  for (const i of found) highest = Math.max(highest, modseqAt(i));
  return highest;
}

/** Runs a search over the view; returns matching 0-based indexes in order. */
async function evaluate(session: Session, view: MailboxView, key: SearchKey): Promise<number[]> {
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
  };
  for (index = 0; index < messages.length; index++) {
    const message = messages[index] as StoredMessage;
    const uid = uids[index] as number;
    candidate.seq = index + 1;
    candidate.uid = uid;
    candidate.message = message;
    candidate.recent = view.recent.has(uid);
    if (body) candidate.body = await bodySummary(message, session.store);
    if (matches(key, candidate)) out.push(index);
  }
  return out;
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
      const save = returns?.has('SAVE') ?? false;
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
      if (returns && save && returns.size === 1) return ok(`${call.name} completed, result saved`);
      if (returns) {
        // RFC 4731 §3.1 / RFC 9051 §7.3.4
        const parts = [`(TAG ${quoted(call.tag)})`];
        if (uid) parts.push('UID');
        if (numbers.length > 0) {
          if (returns.has('MIN')) parts.push(`MIN ${numbers[0]}`);
          if (returns.has('MAX')) parts.push(`MAX ${numbers[numbers.length - 1]}`);
          if (returns.has('ALL')) parts.push(`ALL ${formatUidSet(numbers)}`);
        }
        if (returns.has('COUNT')) parts.push(`COUNT ${numbers.length}`);
        if (highest > 0) parts.push(`MODSEQ ${highest}`);
        session.untagged(`ESEARCH ${parts.join(' ')}`);
      } else {
        const list = numbers.length > 0 ? ' ' + numbers.join(' ') : '';
        session.untagged(`SEARCH${list}${highest > 0 ? ` (MODSEQ ${highest})` : ''}`);
      }
      return ok(`${call.name} completed`);
    },
  });
}

export const searchCommands: CommandEntry[] = [searchCommand(false), searchCommand(true)];
