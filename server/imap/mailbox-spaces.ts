import type { MailStore } from '../store/mail-store.js';
import { ExpungeHistory } from './expunge-history.js';
import { RecentClaims } from './mailbox-view.js';

/** What every session reading one store shares: its expunge history (RFC 7162 QRESYNC) and \Recent claims (RFC 3501 §2.3.2). */
export interface MailboxSpace {
  readonly history: ExpungeHistory;
  readonly claims: RecentClaims;
}

/**
 * The IMAP front's state per store: one store without team inboxes, one per inbox
 * with them. A space is made when the first session signs in to its store (an expunge
 * history younger than the store answers older QRESYNC questions as RFC 7162 §3.2.6
 * says) and dropped with its inbox, so nothing of a removed inbox is kept.
 */
export class MailboxSpaces {
  readonly #spaces = new Map<MailStore, MailboxSpace>();

  of(store: MailStore): MailboxSpace {
    let space = this.#spaces.get(store);
    if (!space) this.#spaces.set(store, (space = { history: new ExpungeHistory(store), claims: new RecentClaims(store) }));
    return space;
  }

  /** Forgets a store's space (its inbox was removed). */
  drop(store: MailStore): void {
    this.#spaces.get(store)?.history.close();
    this.#spaces.delete(store);
  }

  close(): void {
    for (const store of [...this.#spaces.keys()]) this.drop(store);
  }
}
