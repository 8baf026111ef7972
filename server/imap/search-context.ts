/**
 * RFC 5267 §4 live results: `SEARCH RETURN (UPDATE …)` and `SORT RETURN (UPDATE …)`
 * keep their result, and the session is told of each change to it with unsolicited
 * `ESEARCH (TAG …) ADDTO (…)` and `REMOVEFROM (…)` until CANCELUPDATE or the mailbox
 * is left. A result is refreshed after every command and during IDLE.
 */
import type { MailStore } from '../store/mail-store.js';
import type { MailboxView } from './mailbox-view.js';
import { quoted } from './encode.js';
import { formatUidSet } from './sequence-set.js';
import { learnFacts } from './sort/message-facts.js';
import { headerFactsOf, sortMessages, type SortCriterion } from './sort/sort-keys.js';

/** Live results a session may keep at once; one more is refused with NOUPDATE (RFC 5267 §4.4). */
export const MAX_CONTEXTS = 16;

export interface SearchContext {
  tag: string;
  uid: boolean;
  /** Runs the context's search program over the view: matching view indexes, ascending. */
  search: (view: MailboxView) => Promise<number[]>;
  /** The SORT criteria, or null for a SEARCH (whose result is in mailbox order). */
  sort: readonly SortCriterion[] | null;
  /** The result as UIDs, in its order. */
  result: number[];
}

export class SearchContexts {
  readonly #byTag = new Map<string, SearchContext>();

  get size(): number {
    return this.#byTag.size;
  }

  /** Keeps a context (a new one with the same tag replaces the old); false when too many are kept. */
  add(context: SearchContext): boolean {
    if (!this.#byTag.has(context.tag) && this.#byTag.size >= MAX_CONTEXTS) return false;
    this.#byTag.set(context.tag, context);
    return true;
  }

  /** RFC 5267 §4.2 CANCELUPDATE. */
  cancel(tag: string): boolean {
    return this.#byTag.delete(tag);
  }

  clear(): void {
    this.#byTag.clear();
  }

  /**
   * Before the view announces expunges: REMOVEFROM for every kept message about to go,
   * numbered as the client still numbers it.
   */
  expunging(view: MailboxView, send: (line: string) => void): void {
    for (const context of this.#byTag.values()) {
      const gone = context.result.filter((uid) => view.isExpunged(uid));
      if (gone.length === 0) continue;
      this.#remove(context, view, new Set(gone), send);
    }
  }

  /** Runs each kept search again and tells what entered or left its result. */
  async refresh(store: MailStore, view: MailboxView, send: (line: string) => void): Promise<void> {
    for (const context of [...this.#byTag.values()]) {
      const found = (await context.search(view)).filter((i) => !view.isExpunged(view.uids[i] as number));
      const ordered = context.sort ? sortMessages(view.messages, await learnFacts(store, view.messages, found, headerFactsOf(context.sort)), context.sort) : found;
      const now = ordered.map((i) => view.uids[i] as number);
      const nowSet = new Set(now);
      const gone = new Set(context.result.filter((uid) => !nowSet.has(uid)));
      if (gone.size > 0) this.#remove(context, view, gone, send);
      const had = new Set(context.result);
      const added = now.filter((uid) => !had.has(uid));
      context.result = now;
      if (added.length === 0) continue;
      if (!context.sort) send(line(context, 'ADDTO', 0, numbers(context, view, added)));
      // RFC 5267 §4.3: in a sorted result each message goes in at its place, lowest place first.
      else now.forEach((uid, position) => !had.has(uid) && send(line(context, 'ADDTO', position + 1, numbers(context, view, [uid]))));
    }
  }

  #remove(context: SearchContext, view: MailboxView, gone: ReadonlySet<number>, send: (line: string) => void): void {
    if (!context.sort) send(line(context, 'REMOVEFROM', 0, numbers(context, view, [...gone])));
    else {
      // From the end, so each place is right in the result as the client holds it then.
      for (let position = context.result.length - 1; position >= 0; position--) {
        const uid = context.result[position] as number;
        if (gone.has(uid)) send(line(context, 'REMOVEFROM', position + 1, numbers(context, view, [uid])));
      }
    }
    context.result = context.result.filter((uid) => !gone.has(uid));
  }
}

/** The result's members as the context names them: UIDs, or sequence numbers now. */
function numbers(context: SearchContext, view: MailboxView, uids: readonly number[]): string {
  const list = context.uid ? [...uids] : uids.map((uid) => view.seqOf(uid));
  if (!context.sort) list.sort((a, b) => a - b);
  return formatUidSet(list);
}

/** An unsolicited update (RFC 5267 §4.3); an unsorted result's position is 0. */
function line(context: SearchContext, kind: 'ADDTO' | 'REMOVEFROM', position: number, set: string): string {
  return `ESEARCH (TAG ${quoted(context.tag)})${context.uid ? ' UID' : ''} ${kind} (${position} ${set})`;
}
