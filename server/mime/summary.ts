import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import type { Address, Envelope, HeaderSummary } from '../store/types.js';
import { firstField, readHeaderFields, type HeaderField } from './headers.js';

/**
 * The header block is read at most this far for the delivery summary; a message with a
 * larger header still gets stored whole, its summary just comes from the first part.
 */
const SUMMARY_HEADER_BYTES = 256 * 1024;
const SUMMARY_MAX_FIELDS = 2_000;

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
  if (!value) return [];
  const simple = simpleAddress(value);
  if (simple) return [simple];
  try {
    return addressparser(value, { flatten: true })
      .filter((entry) => entry.address || entry.name)
      .map((entry) => ({ name: decodeWords(entry.name ?? ''), address: entry.address ?? '' }));
  } catch {
    return [];
  }
}

/**
 * The two shapes most mail carries, `addr@host` and `Display Name <addr@host>` with a
 * plain name, read without the general parser; anything else (quotes, comments,
 * groups, lists, encoded-words, odd spacing) returns undefined and goes to it.
 * test/mime/summary.test.ts checks both give the same result.
 */
const BARE_ADDRESS = /^[A-Za-z0-9._+\-]+@[A-Za-z0-9.\-]+$/;
const NAMED_ADDRESS = /^([A-Za-z0-9_\-]+(?: [A-Za-z0-9_\-]+)*) <([A-Za-z0-9._+\-]+@[A-Za-z0-9.\-]+)>$/;

function simpleAddress(value: string): Address | undefined {
  if (BARE_ADDRESS.test(value)) return { name: '', address: value };
  const named = NAMED_ADDRESS.exec(value);
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

/** Summarises a header block already split into fields. */
export function summarizeFields(fields: HeaderField[], envelope: Envelope): HeaderSummary {
  const to = parseAddressList(firstField(fields, 'To'));
  const cc = parseAddressList(firstField(fields, 'Cc'));
  const seen = new Set([...to, ...cc].map((a) => a.address.toLowerCase()));
  const headerBcc = parseAddressList(firstField(fields, 'Bcc'));
  for (const address of headerBcc) seen.add(address.address.toLowerCase());
  // Envelope recipients named in no header were Bcc'd (what Mailpit shows as Bcc).
  const bcc = [
    ...headerBcc,
    ...envelope.rcptTo.filter((r) => !seen.has(r.toLowerCase())).map((address) => ({ name: '', address })),
  ];
  return {
    messageId: stripAngles(firstField(fields, 'Message-ID')),
    from: parseAddressList(firstField(fields, 'From'))[0] ?? null,
    to,
    cc,
    bcc,
    replyTo: parseAddressList(firstField(fields, 'Reply-To')),
    subject: decodeWords(firstField(fields, 'Subject') ?? ''),
    date: parseDate(firstField(fields, 'Date')),
    returnPath: stripAngles(firstField(fields, 'Return-Path')) || envelope.mailFrom,
  };
}

/** The summary made once at delivery: header fields only, bounded work, never throws. */
export function summarizeHeaders(raw: Buffer, envelope: Envelope): HeaderSummary {
  return summarizeFields(readHeaderFields(raw, SUMMARY_HEADER_BYTES, SUMMARY_MAX_FIELDS), envelope);
}
