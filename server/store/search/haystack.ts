import { fold } from '../../mime/fold.js';
import type { Address, HeaderSummary, StoredMessage } from '../types.js';

/** Lower-cased header fields of a message, as a search matches them. */
export interface HeaderHaystack {
  readonly from: string;
  readonly to: string;
  readonly cc: string;
  readonly bcc: string;
  readonly replyTo: string;
  readonly subject: string;
  readonly messageId: string;
  /**
   * Whether any of these fields holds `needle`: what a plain word is matched against
   * apart from the body. A needle has no line break, so none spans two fields.
   */
  holds(needle: string): boolean;
}

/** The address fields' text, the same for every message with the same addresses. */
interface AddressHaystack {
  readonly from: string;
  readonly to: string;
  readonly cc: string;
  readonly bcc: string;
  readonly replyTo: string;
  /** The five joined by line breaks, for a plain word. */
  readonly joined: string;
  /** The summary's fields it was made from, beside its To list (see byToList). */
  readonly source: Pick<HeaderSummary, 'from' | 'cc' | 'bcc' | 'replyTo'>;
}

/**
 * A message's haystack: its own lower-cased subject and Message-ID (the subject itself
 * when it is lower case already), and address text shared with every message of the
 * same addresses; a search index of 200,000 messages keeps little more per message.
 */
class MessageHaystack implements HeaderHaystack {
  constructor(
    readonly subject: string,
    readonly messageId: string,
    private readonly addresses: AddressHaystack,
  ) {}

  holds(needle: string): boolean {
    return this.subject.includes(needle) || this.addresses.joined.includes(needle);
  }

  get from(): string {
    return this.addresses.from;
  }

  get to(): string {
    return this.addresses.to;
  }

  get cc(): string {
    return this.addresses.cc;
  }

  get bcc(): string {
    return this.addresses.bcc;
  }

  get replyTo(): string {
    return this.addresses.replyTo;
  }
}

function addresses(list: readonly Address[]): string {
  return fold(list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', '));
}

/**
 * Address haystacks by the summary's To list: the store's summaries share their lists
 * (summary-entry.ts), so messages with the same addresses find one entry here. Weak, so
 * an entry goes with the last summary holding its list.
 */
const byToList = new WeakMap<readonly Address[], AddressHaystack[]>();

/** Entries kept per To list; past it the oldest goes (a summary not from the store shares nothing). */
const MAX_PER_LIST = 64;

function addressHaystack(s: HeaderSummary): AddressHaystack {
  let known = byToList.get(s.to);
  if (!known) byToList.set(s.to, (known = []));
  for (const hay of known) {
    const { source } = hay;
    if (source.from === s.from && source.cc === s.cc && source.bcc === s.bcc && source.replyTo === s.replyTo) return hay;
  }
  const from = s.from ? addresses([s.from]) : '';
  const to = addresses(s.to);
  const cc = addresses(s.cc);
  const bcc = addresses(s.bcc);
  const replyTo = addresses(s.replyTo);
  const joined = [from, to, cc, bcc, replyTo].join('\n');
  const hay: AddressHaystack = { from, to, cc, bcc, replyTo, joined, source: { from: s.from, cc: s.cc, bcc: s.bcc, replyTo: s.replyTo } };
  if (known.length >= MAX_PER_LIST) known.shift();
  known.push(hay);
  return hay;
}

/**
 * A message's haystack, made anew on each call: the search index (search-index.ts)
 * keeps the ones it scans; other callers look at a message or a few.
 */
export function headerHaystack(message: StoredMessage): HeaderHaystack {
  const s = message.summary;
  return new MessageHaystack(fold(s.subject), fold(s.messageId), addressHaystack(s));
}
