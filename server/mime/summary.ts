import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { Address, Envelope, HeaderSummary } from './types.js';
import { forEachAddressEntry } from './address-split.js';
import { fieldNames, firstFieldValues } from './field-value.js';

/**
 * Addresses kept per list (To, Cc, Bcc, Reply-To) in the summary, beside their full
 * count: what the message JSON shows and search matches. A header may name tens of
 * thousands; each kept one costs an object for as long as the message is stored.
 */
export const STORED_ADDRESSES = 1_000;
/**
 * Characters of one address field parsed at most (past them, the count is of the
 * addresses read so far and the summary says it was cut): parsing is linear, but a
 * 50 MB To field is still seconds of work on the event loop.
 */
const ADDRESS_FIELD_MAX_CHARS = 1024 * 1024;

/** The fields the summary reads, found wherever they are in the header block. */
const SUMMARY_FIELDS = ['Message-ID', 'From', 'To', 'Cc', 'Bcc', 'Reply-To', 'Subject', 'Date', 'Return-Path'] as const;
type SummaryField = (typeof SUMMARY_FIELDS)[number];
const SUMMARY_NAMES = fieldNames(SUMMARY_FIELDS);

/** Decodes RFC 2047 encoded-words; undecodable text is kept as written. */
export function decodeWords(text: string): string {
  // Most header values carry no encoded-word (RFC 2047 §2: they all start with "=?").
  if (!text.includes('=?')) return text;
  try {
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}

/** Parses an address-list field into addresses, with groups flattened and names decoded. */
export function parseAddressList(value: string | undefined): Address[] {
  const addresses: Address[] = [];
  if (value) forEachAddressEntry(value, (entry) => (addresses.push(...parseEntry(entry)), true));
  return addresses;
}

/** One entry of an address list (see address-split.ts): usually one address, a group's members, or none. */
function parseEntry(entry: string): Address[] {
  const simple = simpleAddress(entry.trim());
  if (simple) return [simple];
  try {
    return addressparser(entry, { flatten: true })
      .filter((parsed) => parsed.address || parsed.name)
      .map((parsed) => ({ name: decodeWords(parsed.name ?? ''), address: parsed.address ?? '' }));
  } catch {
    return [];
  }
}

interface ReadList {
  /** Every address read (the caller keeps what it stores). */
  all: Address[];
  /** Whether the field was longer than ADDRESS_FIELD_MAX_CHARS and read only that far. */
  cut: boolean;
}

/** An address field read entry by entry, at most ADDRESS_FIELD_MAX_CHARS of it. */
function readAddressList(value: string | undefined): ReadList {
  const all: Address[] = [];
  let read = 0;
  let cut = false;
  if (value) {
    forEachAddressEntry(value, (entry) => {
      read += entry.length + 1;
      if (read > ADDRESS_FIELD_MAX_CHARS) return !(cut = true);
      for (const address of parseEntry(entry)) all.push(address);
      return true;
    });
  }
  return { all, cut };
}

/** The first address of a field (From), reading no further than it. */
function firstAddress(value: string | undefined): Address | null {
  let first: Address | null = null;
  if (value) forEachAddressEntry(value, (entry) => !(first = parseEntry(entry)[0] ?? null));
  return first;
}

/**
 * The shapes most mail carries, `addr@host` and `Display Name <addr@host>` with a
 * plain name (quoted or not), read without the general parser; anything else (quotes, comments,
 * groups, lists, encoded-words, odd spacing) returns undefined and goes to it.
 * test/mime/summary.test.ts checks both give the same result.
 */
const BARE_ADDRESS = /^[A-Za-z0-9._+\-]+@[A-Za-z0-9.\-]+$/;
const NAMED_ADDRESS = /^([A-Za-z0-9_\-]+(?: [A-Za-z0-9_\-]+)*) <([A-Za-z0-9._+\-]+@[A-Za-z0-9.\-]+)>$/;
/** The same with the name quoted (`"Display Name" <addr@host>`), as many mailers write it. */
const QUOTED_NAMED_ADDRESS = /^"([A-Za-z0-9_\-]+(?: [A-Za-z0-9_\-]+)*)" <([A-Za-z0-9._+\-]+@[A-Za-z0-9.\-]+)>$/;

function simpleAddress(value: string): Address | undefined {
  if (BARE_ADDRESS.test(value)) return { name: '', address: value };
  const named = NAMED_ADDRESS.exec(value) ?? QUOTED_NAMED_ADDRESS.exec(value);
  return named ? { name: named[1] as string, address: named[2] as string } : undefined;
}

function parseDate(value: string | undefined): Date | null {
  if (!value) return null;
  // Strip RFC 5322 comments such as "(UTC)" that Date.parse does not understand.
  const time = Date.parse(value.includes('(') ? value.replace(/\([^)]*\)/g, '').trim() : value);
  return Number.isNaN(time) ? null : new Date(time);
}

function stripAngles(value: string | undefined): string {
  return (value ?? '').trim().replace(/^<(.*)>$/s, '$1').trim();
}

/** Summarises a header block from the values of its SUMMARY_FIELDS. */
function summarize(field: (name: SummaryField) => string | undefined, envelope: Envelope): HeaderSummary {
  const to = readAddressList(field('To'));
  const cc = readAddressList(field('Cc'));
  const headerBcc = readAddressList(field('Bcc'));
  const replyTo = readAddressList(field('Reply-To'));
  const seen = new Set<string>();
  for (const list of [to, cc, headerBcc]) for (const address of list.all) seen.add(address.address.toLowerCase());
  // Envelope recipients named in no header were Bcc'd (what Mailpit shows as Bcc).
  const bcc = [...headerBcc.all, ...envelope.rcptTo.filter((r) => !seen.has(r.toLowerCase())).map((address) => ({ name: '', address }))];
  return {
    messageId: stripAngles(field('Message-ID')),
    from: firstAddress(field('From')),
    to: to.all.slice(0, STORED_ADDRESSES),
    cc: cc.all.slice(0, STORED_ADDRESSES),
    bcc: bcc.slice(0, STORED_ADDRESSES),
    replyTo: replyTo.all.slice(0, STORED_ADDRESSES),
    subject: decodeWords(field('Subject') ?? ''),
    date: parseDate(field('Date')),
    returnPath: stripAngles(field('Return-Path')) || envelope.mailFrom,
    counts: { to: to.all.length, cc: cc.all.length, bcc: bcc.length, replyTo: replyTo.all.length },
    truncated: cutNote([['To', to], ['Cc', cc], ['Bcc', headerBcc], ['Reply-To', replyTo]]),
  };
}

function cutNote(lists: Array<[string, ReadList]>): string {
  const names = lists.filter(([, list]) => list.cut).map(([name]) => name);
  if (names.length === 0) return '';
  return `${names.join(', ')}: only the first ${ADDRESS_FIELD_MAX_CHARS / (1024 * 1024)} MiB of the field read, so the address count is of those`;
}

/**
 * The summary made once per message: a few header fields, found in one pass over the
 * header block however many fields come before them; never throws.
 */
export function summarizeHeaders(raw: Buffer, envelope: Envelope): HeaderSummary {
  const values = firstFieldValues(raw, SUMMARY_NAMES);
  return summarize((name) => values[SUMMARY_FIELDS.indexOf(name)], envelope);
}
