/**
 * What SORT and THREAD compare, worked out once per message and kept beside it (a
 * message's bytes never change), so a SORT over 100,000 messages reads no header.
 * The facts read from header fields are learnt from the message's bytes, which the
 * command reads through the store first (`learnFacts`); the others come from the
 * store's summary when first asked for.
 */
import { parseAddressEntries, type AddressEntry } from '../../mime/address-list.js';
import { fieldNames, firstFieldValues } from '../../mime/field-value.js';
import { decodeWords } from '../../mime/summary.js';
import type { MailStore } from '../../store/mail-store.js';
import type { StoredMessage } from '../../store/types.js';
import { readBytes, windows } from '../held-bytes.js';
import { baseSubject, type BaseSubject } from './base-subject.js';

const ADDRESS_FIELDS = fieldNames(['From', 'To', 'Cc']);
const THREAD_FIELDS = fieldNames(['Message-ID', 'References', 'In-Reply-To']);
/** A msg-id (RFC 5322 §3.6.4) as the angle-bracketed token; white space inside is dropped. */
const MSG_ID = /<([^<>]+)>/g;
/** References kept per message: a longer chain is a flood, and its first ids are the thread's root. */
const MAX_REFERENCES = 1_000;

export interface AddressKeys {
  /** RFC 5256 §2.2: addr-mailbox of the first address (a group's name for a group), upper-cased. */
  mailbox: string;
  /** RFC 5957 §3: display name of the first address, else its addr-spec, upper-cased. */
  display: string;
}

/** The facts read from a message's header fields: its first From, To and Cc; its Message-ID and references. */
export type HeaderFacts = 'addresses' | 'thread-ids';

export class MessageFacts {
  #subject: BaseSubject | undefined;
  #addresses: [AddressKeys, AddressKeys, AddressKeys] | undefined;
  #ids: { id: string; references: string[] } | undefined;

  /** RFC 5256 §2.2 sent date: the Date field's instant, else INTERNALDATE, in ms. */
  readonly sentDate: number;

  constructor(readonly message: StoredMessage) {
    this.sentDate = sentDate(message);
  }

  get subject(): BaseSubject {
    return (this.#subject ??= baseSubject(this.message.summary.subject));
  }

  get from(): AddressKeys {
    return this.#addressKeys()[0];
  }

  get to(): AddressKeys {
    return this.#addressKeys()[1];
  }

  get cc(): AddressKeys {
    return this.#addressKeys()[2];
  }

  /** The Message-ID, or '' without a valid one (RFC 5256 §3 then gives it a unique id). */
  get messageId(): string {
    return this.#threadIds().id;
  }

  /** RFC 5256 §3 step 1.A: References' ids, or the first id of In-Reply-To when References has none. */
  get references(): readonly string[] {
    return this.#threadIds().references;
  }

  /** Whether the facts of this kind are still to be learnt from the message's bytes. */
  lacks(kind: HeaderFacts): boolean {
    return (kind === 'addresses' ? this.#addresses : this.#ids) === undefined;
  }

  /** Learns the facts of this kind from the message's bytes. */
  learn(kind: HeaderFacts, raw: Buffer): void {
    if (kind === 'addresses') {
      const [from, to, cc] = firstFieldValues(raw, ADDRESS_FIELDS);
      this.#addresses = [addressKeys(from), addressKeys(to), addressKeys(cc)];
      return;
    }
    const [id, references, inReplyTo] = firstFieldValues(raw, THREAD_FIELDS);
    let refs = msgIds(references ?? '', MAX_REFERENCES);
    if (refs.length === 0) refs = msgIds(inReplyTo ?? '', 1);
    this.#ids = { id: msgIds(id ?? '', 1)[0] ?? '', references: refs };
  }

  #addressKeys(): [AddressKeys, AddressKeys, AddressKeys] {
    return this.#addresses ?? unlearnt('addresses');
  }

  #threadIds(): { id: string; references: string[] } {
    return this.#ids ?? unlearnt('thread-ids');
  }
}

/** Asking for facts no command learnt first is a bug in that command. */
function unlearnt(kind: HeaderFacts): never {
  throw new Error(`message facts (${kind}) used before they were learnt`);
}

function msgIds(value: string, max: number): string[] {
  const out: string[] = [];
  for (const match of value.matchAll(MSG_ID)) {
    const id = (match[1] as string).replace(/\s+/g, '');
    if (id !== '') out.push(id);
    if (out.length >= max) break;
  }
  return out;
}

const NO_ADDRESS: AddressKeys = { mailbox: '', display: '' };

function addressKeys(value: string | undefined): AddressKeys {
  if (value === undefined) return NO_ADDRESS;
  const first: AddressEntry | undefined = parseAddressEntries(value)[0];
  if (!first || first.kind === 'group-end') return NO_ADDRESS;
  if (first.kind === 'group-start') {
    const name = decodeWords(first.name).toUpperCase();
    return { mailbox: first.name.toUpperCase(), display: name };
  }
  const name = first.name ? decodeWords(first.name).trim() : '';
  const spec = `${first.mailbox}@${first.host}`;
  return { mailbox: first.mailbox.toUpperCase(), display: (name || spec).toUpperCase() };
}

/** RFC 5256 §2.2 sent date: the Date field's instant, else INTERNALDATE, in ms. */
export function sentDate(message: StoredMessage): number {
  return (message.summary.date ?? message.receivedAt).getTime();
}

const facts = new WeakMap<StoredMessage, MessageFacts>();

export function factsOf(message: StoredMessage): MessageFacts {
  let found = facts.get(message);
  if (!found) {
    found = new MessageFacts(message);
    facts.set(message, found);
  }
  return found;
}

/**
 * Learns the facts of these kinds for the view's messages at `indexes` that lack them,
 * reading their bytes through the store a window at a time. Returns the indexes whose
 * facts are known: a message gone from the store meanwhile (expunged by another
 * session) is left out, as SEARCH leaves it out.
 */
export async function learnFacts(store: MailStore, messages: readonly StoredMessage[], indexes: readonly number[], kinds: readonly HeaderFacts[]): Promise<number[]> {
  const lacking = (i: number) => kinds.some((kind) => factsOf(messages[i] as StoredMessage).lacks(kind));
  if (kinds.length === 0 || !indexes.some(lacking)) return [...indexes];
  const known: number[] = [];
  for (const window of windows(indexes)) {
    const reading = window.filter(lacking).map((i) => messages[i] as StoredMessage);
    const bytes = await readBytes(store, reading);
    reading.forEach((message, n) => {
      const raw = bytes[n];
      if (raw) for (const kind of kinds) if (factsOf(message).lacks(kind)) factsOf(message).learn(kind, raw);
    });
    for (const i of window) if (!lacking(i)) known.push(i);
  }
  return known;
}
