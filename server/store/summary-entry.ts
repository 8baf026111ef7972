import type { Address, AddressCounts, HeaderSummary } from './types.js';
import { intern, internRecord, ownCopy } from './intern.js';

/** The fields of a summary that repeat from message to message. */
type Addressing = Pick<HeaderSummary, 'from' | 'to' | 'cc' | 'bcc' | 'replyTo' | 'returnPath' | 'counts' | 'truncated'>;

/**
 * A header summary as the index keeps it, one per message for as long as it is stored
 * (hundreds of thousands at once). What repeats from message to message (addresses,
 * address lists, counts, Return-Path) is one shared frozen record; the Date header is a
 * number, a Date made when asked (a Date object costs 96 bytes); the subject and
 * Message-ID are copied out of the header text they were cut from, which would
 * otherwise stay in memory behind them.
 *
 * Every field is an own enumerable property, as on a plain summary, so `{ ...summary }`
 * and JSON copy them all (the PostgreSQL log writes a summary that way); those read from
 * the shared record or the number are accessors, defined alike on every entry (V8 then
 * gives them all one hidden class and keeps no per-entry property table).
 */
class SummaryEntry {
  readonly messageId: string;
  readonly subject: string;
  /** The Date header in ms since the epoch; NaN when the message has none. */
  readonly #date: number;
  readonly #addressing: Addressing;

  /** The same descriptors, with the same functions, for every entry (see above). */
  static readonly #derived: PropertyDescriptorMap = {
    from: { enumerable: true, get: function (this: SummaryEntry) { return this.#addressing.from; } },
    to: { enumerable: true, get: function (this: SummaryEntry) { return this.#addressing.to; } },
    cc: { enumerable: true, get: function (this: SummaryEntry) { return this.#addressing.cc; } },
    bcc: { enumerable: true, get: function (this: SummaryEntry) { return this.#addressing.bcc; } },
    replyTo: { enumerable: true, get: function (this: SummaryEntry) { return this.#addressing.replyTo; } },
    date: { enumerable: true, get: function (this: SummaryEntry) { return Number.isNaN(this.#date) ? null : new Date(this.#date); } },
    returnPath: { enumerable: true, get: function (this: SummaryEntry) { return this.#addressing.returnPath; } },
    counts: { enumerable: true, get: function (this: SummaryEntry) { return this.#addressing.counts; } },
    truncated: { enumerable: true, get: function (this: SummaryEntry) { return this.#addressing.truncated; } },
  };

  constructor(summary: HeaderSummary) {
    this.messageId = ownCopy(summary.messageId);
    this.subject = ownCopy(summary.subject);
    this.#date = summary.date?.getTime() ?? Number.NaN;
    this.#addressing = sharedAddressing(summary);
    Object.defineProperties(this, SummaryEntry.#derived);
  }
}

/** The compact form of a summary, for the index to keep (see SummaryEntry). */
export function summaryEntry(summary: HeaderSummary): HeaderSummary {
  return summary instanceof SummaryEntry ? summary : (new SummaryEntry(summary) as unknown as HeaderSummary);
}

/** Shared by every summary whose list is empty (most Cc, Bcc and Reply-To). */
const NO_ADDRESSES: Address[] = Object.freeze([]) as unknown as Address[];

function sharedAddressing(s: HeaderSummary): Addressing {
  const record = {
    from: s.from && sharedAddress(s.from),
    to: sharedAddresses(s.to),
    cc: sharedAddresses(s.cc),
    bcc: sharedAddresses(s.bcc),
    replyTo: sharedAddresses(s.replyTo),
    returnPath: intern(ownCopy(s.returnPath)),
    counts: sharedCounts(s.counts),
    truncated: s.truncated,
  };
  return internRecord(`addressing:${JSON.stringify(record)}`, () => record);
}

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
