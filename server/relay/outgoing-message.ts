/**
 * The bytes release sends: the stored message, unchanged, with one Received trace
 * line of ours on top (RFC 5321 §4.4), and, only when asked, a new Message-ID or a
 * rewritten From. Header edits touch the header block only; the body is never
 * re-encoded.
 */
import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../lib/rfc5322-date.js';
import { headerEnd } from '../mime/headers.js';
import type { StoredMessage } from '../store/types.js';

export interface OutgoingOptions {
  /** Our name, as the `by` of the trace line. */
  hostname: string;
  /** The recipient, named in `for` only when there is exactly one (RFC 5321 §4.4 leaves it optional). */
  recipients: readonly string[];
  newMessageId: boolean;
  overrideFrom: string;
}

/** `with` protocol names from the IANA Mail Transmission Types registry (RFC 3848). */
function protocolOf(message: StoredMessage): string {
  const { via, secure, username } = message.client;
  if (via !== 'smtp') return via === 'api' ? 'HTTP' : via === 'imap' ? 'IMAP' : 'local';
  return 'ESMTP' + (secure ? 'S' : '') + (username ? 'A' : '');
}

/** Characters that could end a header line or a comment are dropped from client-given text. */
const clean = (text: string) => text.replace(/[\x00-\x1f\x7f()\\]/g, '').slice(0, 200);

/**
 * The trace line for how this instance received the message (RFC 5321 §4.4):
 * `from` the client's EHLO name and address, `by` us, `with` the protocol, `id` our id.
 */
export function receivedLine(message: StoredMessage, options: Pick<OutgoingOptions, 'hostname' | 'recipients'>): string {
  const helo = clean(message.client.helo) || 'unknown';
  const address = clean(message.client.address);
  const from = `from ${helo}${address ? ` (${address.includes(':') && !address.startsWith('::ffff:') ? `[IPv6:${address}]` : `[${address.replace(/^::ffff:/, '')}]`})` : ''}`;
  const only = options.recipients.length === 1 ? `\r\n\tfor <${clean(options.recipients[0] as string)}>` : '';
  return `Received: ${from}\r\n\tby ${clean(options.hostname)} (Letterbox) with ${protocolOf(message)} id ${message.id}${only};\r\n\t${rfc5322Date(message.receivedAt)}\r\n`;
}

/** How many Received lines the message already carries (for loop detection, RFC 5321 §6.3). */
export function countReceived(raw: Buffer): number {
  const head = raw.subarray(0, headerEnd(raw)).toString('latin1');
  return (head.match(/^received:/gim) ?? []).length;
}

export function outgoingBytes(message: StoredMessage, options: OutgoingOptions): Buffer {
  let raw = message.raw;
  if (options.newMessageId || options.overrideFrom) raw = rewriteHeaders(raw, options);
  return Buffer.concat([Buffer.from(receivedLine(message, options), 'latin1'), raw]);
}

/** Replaces whole header fields (with their folded continuation lines) in the header block. */
function rewriteHeaders(raw: Buffer, options: OutgoingOptions): Buffer {
  const end = headerEnd(raw);
  const head = raw.subarray(0, end).toString('latin1');
  const eol = head.includes('\r\n') ? '\r\n' : '\n';
  // Split into fields: a line starting with space or tab continues the one before (RFC 5322 §2.2.3).
  let out = head
    .replace(/(\r?\n)+$/, '')
    .split(/\r?\n(?![ \t])/)
    .filter((field) => field !== '');
  const nameOf = (field: string) => field.slice(0, field.indexOf(':')).trim().toLowerCase();

  if (options.newMessageId) {
    const id = `<${randomBytes(12).toString('hex')}@${clean(options.hostname)}>`;
    const at = out.findIndex((f) => nameOf(f) === 'message-id');
    if (at >= 0) out[at] = `Message-ID: ${id}`;
    else out.push(`Message-ID: ${id}`);
  }
  if (options.overrideFrom) {
    const at = out.findIndex((f) => nameOf(f) === 'from');
    const original = at >= 0 ? (out[at] as string).slice((out[at] as string).indexOf(':') + 1).trim() : '';
    const replaced = `From: <${clean(options.overrideFrom)}>`;
    if (at >= 0) out[at] = replaced;
    else out.push(replaced);
    out = out.filter((f) => nameOf(f) !== 'x-original-from');
    if (original) out.push(`X-Original-From: ${original}`);
  }
  const block = out.join(eol) + eol + eol;
  return Buffer.concat([Buffer.from(block, 'latin1'), raw.subarray(end)]);
}
