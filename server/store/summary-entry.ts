import type { Address, AddressCounts, HeaderSummary } from './types.js';
import { intern, internRecord, ownCopy } from './intern.js';

/**
 * A header summary as the index keeps it, one per message for as long as it is stored
 * (hundreds of thousands at once). What repeats from message to message (addresses,
 * address lists, counts, Return-Path) is one shared frozen copy; the Date header is a
 * number, a Date made when asked (a Date object costs 96 bytes); the subject and
 * Message-ID are copied out of the header text they were cut from, which would
 * otherwise stay in memory behind them.
 *
 * Every field but `date` is an own property, so `{ ...summary }` copies them (the
 * PostgreSQL log writes a summary that way, giving `date` itself).
 */
class SummaryEntry implements HeaderSummary {
  readonly messageId: string;
  readonly from: Address | null;
  readonly to: Address[];
  readonly cc: Address[];
  readonly bcc: Address[];
  readonly replyTo: Address[];
  readonly subject: string;
  readonly returnPath: string;
  readonly counts: AddressCounts;
  readonly truncated: string;
  /** The Date header in ms since the epoch; NaN when the message has none. */
  readonly #date: number;

  constructor(summary: HeaderSummary) {
    this.messageId = ownCopy(summary.messageId);
    this.from = summary.from && sharedAddress(summary.from);
    this.to = sharedAddresses(summary.to);
    this.cc = sharedAddresses(summary.cc);
    this.bcc = sharedAddresses(summary.bcc);
    this.replyTo = sharedAddresses(summary.replyTo);
    this.subject = ownCopy(summary.subject);
    this.returnPath = intern(ownCopy(summary.returnPath));
    this.counts = sharedCounts(summary.counts);
    this.truncated = summary.truncated;
    this.#date = summary.date?.getTime() ?? Number.NaN;
  }

  get date(): Date | null {
    return Number.isNaN(this.#date) ? null : new Date(this.#date);
  }
}

/** The compact form of a summary, for the index to keep (see SummaryEntry). */
export function summaryEntry(summary: HeaderSummary): HeaderSummary {
  return summary instanceof SummaryEntry ? summary : new SummaryEntry(summary);
}

/** Shared by every summary whose list is empty (most Cc, Bcc and Reply-To). */
const NO_ADDRESSES: Address[] = Object.freeze([]) as unknown as Address[];

function sharedAddress({ name, address }: Address): Address {
  return internRecord(`address:${JSON.stringify([name, address])}`, () => ({ name: intern(ownCopy(name)), address: intern(ownCopy(address)) }));
}

function sharedAddresses(list: readonly Address[]): Address[] {
  if (list.length === 0) return NO_ADDRESSES;
  const key = `addresses:${JSON.stringify(list.map((a) => [a.name, a.address]))}`;
  return internRecord(key, () => list.map(sharedAddress)) as Address[];
}

function sharedCounts({ to, cc, bcc, replyTo }: AddressCounts): AddressCounts {
  return internRecord(`counts:${to},${cc},${bcc},${replyTo}`, () => ({ to, cc, bcc, replyTo }));
}
