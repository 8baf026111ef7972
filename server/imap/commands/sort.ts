import type { CommandEntry } from '../command.js';
import type { Reader } from '../parser.js';
import { esearchLine, readReturnOptions, type ReturnOptions } from '../search-return.js';
import type { Session } from '../session.js';
import { learnFacts } from '../sort/message-facts.js';
import { headerFactsOf, isSortKey, sortMessages, type SortCriterion } from '../sort/sort-keys.js';
import { keepContext, readCharset, readSearchKeys, searchingCommand, type SearchCriteria } from './search.js';

/** RFC 5267 §3.2 ESORT result options, RFC 5267 §4.4 / RFC 9394 PARTIAL, and RFC 5267 §4.1 UPDATE. */
const RETURN_OPTIONS = new Set(['MIN', 'MAX', 'ALL', 'COUNT', 'PARTIAL', 'UPDATE']);

interface SortArgs extends SearchCriteria {
  criteria: SortCriterion[];
  returns: ReturnOptions | null;
}

/** sort-criteria (RFC 5256 §5): "(" sort-criterion *(SP sort-criterion) ")", each [REVERSE SP] sort-key. */
function readCriteria(r: Reader): SortCriterion[] {
  const criteria = r.list((): SortCriterion => {
    let word = r.atom().toUpperCase();
    const reverse = word === 'REVERSE';
    if (reverse) {
      r.sp();
      word = r.atom().toUpperCase();
    }
    if (!isSortKey(word)) return r.fail(`unknown sort key ${word.slice(0, 30)}`);
    return { key: word, reverse };
  }, false);
  // A key named again can only compare what it already found equal: kept once, so a
  // line of thousands of keys costs no more than the nine there are.
  const seen = new Set<string>();
  return criteria.filter((c) => !seen.has(c.key) && seen.add(c.key));
}

/** sort (RFC 5256 §5, RFC 5267 §3.2): "SORT" [SP "RETURN" SP options] SP sort-criteria SP charset 1*(SP search-key). */
function readSort(r: Reader, session: Session): SortArgs {
  r.sp();
  const returns = readReturnOptions(r, RETURN_OPTIONS);
  const criteria = readCriteria(r);
  r.sp();
  // RFC 5256 §3: the charset is not optional in SORT.
  const badCharset = readCharset(r, session);
  r.sp();
  return { criteria, returns, badCharset, key: readSearchKeys(r) };
}

/** RFC 5256 SORT and UID SORT, with RFC 5267 ESORT (RETURN) and RFC 5957 DISPLAYFROM/DISPLAYTO. */
function sortCommand(name: string): CommandEntry {
  return searchingCommand<SortArgs>(name, readSort, async (view, found, { criteria, returns, key }, call, session) => {
    const sorted = sortMessages(view.messages, await learnFacts(session.store, view.messages, found, headerFactsOf(criteria)), criteria);
    const numbers = sorted.map((i) => (call.uid ? (view.uids[i] as number) : i + 1));
    if (returns?.options.has('UPDATE')) keepContext(session, key, { tag: call.tag, uid: call.uid, sort: criteria, result: sorted.map((i) => view.uids[i] as number) });
    if (returns) return esearchLine(call.tag, call.uid, numbers, returns);
    return `SORT${numbers.length > 0 ? ' ' + numbers.join(' ') : ''}`;
  });
}

export const sortCommands: CommandEntry[] = [sortCommand('SORT'), sortCommand('UID SORT')];
