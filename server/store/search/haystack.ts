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
 * A message's haystack: its lower-cased subject (the subject itself when it is lower
 * case already), and the rest found when a term asks for it: the address text, shared
 * with every message of the same addresses, and the Message-ID. A scan moves one
 * haystack from message to message (see search-index.ts), so a search index of
 * 200,000 messages keeps per message only the subject.
 */
export class MessageHaystack implements HeaderHaystack {
  #summary: HeaderSummary;
  #subject: string;
  #addresses: AddressHaystack | undefined;

  constructor(summary: HeaderSummary, subject: string) {
    this.#summary = summary;
    this.#subject = subject;
  }

  /** The haystack of another message, whose lower-cased subject the caller kept. */
  moveTo(summary: HeaderSummary, subject: string): this {
    this.#summary = summary;
    this.#subject = subject;
    this.#addresses = undefined;
    return this;
  }

  get subject(): string {
    return this.#subject;
  }

  get messageId(): string {
    return fold(this.#summary.messageId);
  }

  holds(needle: string): boolean {
    return this.#subject.includes(needle) || this.#shared.joined.includes(needle);
  }

  get from(): string {
    return this.#shared.from;
  }

  get to(): string {
    return this.#shared.to;
  }

  get cc(): string {
    return this.#shared.cc;
  }

  get bcc(): string {
    return this.#shared.bcc;
  }

  get replyTo(): string {
    return this.#shared.replyTo;
  }

  get #shared(): AddressHaystack {
    return (this.#addresses ??= addressHaystack(this.#summary));
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

/** A message's subject as a search matches it. */
export function foldedSubject(message: StoredMessage): string {
  return fold(message.summary.subject);
}

/** A message's haystack, made anew on each call, for a caller that looks at a message or a few. */
export function headerHaystack(message: StoredMessage): HeaderHaystack {
  return new MessageHaystack(message.summary, foldedSubject(message));
}
