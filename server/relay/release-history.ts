/**
 * Every release of every message, in memory, with each attempt's SMTP transcript
 * (kept across restarts by release-journal.ts with --data-dir). A message's history
 * goes when the message leaves the store.
 */
import type { RecipientOutcome } from './smtp-client.js';

export type ReleaseTrigger = 'api' | 'auto';

/** Where a recipient stands: `retrying` after a temporary failure, until the schedule runs out. */
export type RecipientState = 'pending' | 'delivered' | 'retrying' | 'failed';

export interface ReleaseRecipient {
  address: string;
  state: RecipientState;
  /** The reply or reason behind the state. */
  reply: string;
  /** Attempts made for this recipient so far. */
  attempts: number;
  /** When the next retry runs, while `retrying`. */
  nextAttemptAt: Date | null;
}

export interface ReleaseAttempt {
  time: Date;
  /** The recipients this transaction was for. */
  recipients: string[];
  /** The MX host (or smarthost) name tried, '' when DNS gave none. */
  host: string;
  /** `ip:port` connected to, '' when no connection was made. */
  address: string;
  outcome: 'delivered' | 'partial' | 'temporary' | 'permanent';
  results: RecipientOutcome[];
  /** The DNS answers this attempt went by (MX delivery only). */
  dns: string[];
  tls: boolean;
  transcript: string[];
}

export interface ReleaseRecord {
  /** Unique per release. */
  id: string;
  messageId: string;
  trigger: ReleaseTrigger;
  requestedAt: Date;
  mode: 'smarthost' | 'mx';
  /** MAIL FROM used. */
  sender: string;
  recipients: ReleaseRecipient[];
  attempts: ReleaseAttempt[];
  /** `done` once no recipient is pending or retrying; `cancelled` when the message left the store first. */
  state: 'running' | 'retrying' | 'done' | 'cancelled';
}

/** Most releases remembered per message (oldest forgotten first), so repeated releases stay bounded. */
export const MAX_PER_MESSAGE = 50;

export class ReleaseHistory {
  readonly #byMessage = new Map<string, ReleaseRecord[]>();
  #releases = 0;

  add(record: ReleaseRecord): void {
    const list = this.#byMessage.get(record.messageId) ?? [];
    list.push(record);
    if (list.length > MAX_PER_MESSAGE) list.shift();
    else this.#releases++;
    this.#byMessage.set(record.messageId, list);
  }

  of(messageId: string): readonly ReleaseRecord[] {
    return this.#byMessage.get(messageId) ?? [];
  }

  /** Forgets a message's history; returns the records so their retries can be cancelled. */
  forget(messageId: string): ReleaseRecord[] {
    const list = this.#byMessage.get(messageId) ?? [];
    this.#byMessage.delete(messageId);
    this.#releases -= list.length;
    return list;
  }

  /** Every release remembered, each message's in the order they began. */
  *records(): Generator<ReleaseRecord> {
    for (const list of this.#byMessage.values()) yield* list;
  }

  forgetAll(): ReleaseRecord[] {
    const all = [...this.#byMessage.values()].flat();
    this.#byMessage.clear();
    this.#releases = 0;
    return all;
  }

  get size(): number {
    return this.#byMessage.size;
  }

  /** Releases remembered, over every message. */
  get releases(): number {
    return this.#releases;
  }
}
