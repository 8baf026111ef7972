/**
 * The bytes release sends: the stored message, unchanged, with one Received trace
 * line of ours on top (RFC 5321 §4.4), and, only when asked, a new Message-ID or a
 * rewritten From. Header edits touch the header block only; the body is never
 * re-encoded.
 */
import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../lib/rfc5322-date.js';
import { findField, readHeaderBlock } from '../mime/header-block.js';
import { editHeaderBlock } from '../mime/header-edit.js';
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

/** `raw` is the message's stored bytes (store.readRaw). */
export function outgoingBytes(message: StoredMessage, raw: Buffer, options: OutgoingOptions): Buffer {
  const sent = options.newMessageId || options.overrideFrom ? rewriteHeaders(raw, options) : raw;
  return Buffer.concat([Buffer.from(receivedLine(message, options), 'latin1'), sent]);
}

/**
 * Replaces whole header fields (with their folded lines) on the bytes: the old ones go,
 * the new ones end the header block (mime/header-edit.ts); the body is never touched.
 */
function rewriteHeaders(raw: Buffer, options: OutgoingOptions): Buffer {
  const drop = new Set<string>();
  const add: string[] = [];
  if (options.newMessageId) {
    drop.add('message-id');
    add.push(`Message-ID: <${randomBytes(12).toString('hex')}@${clean(options.hostname)}>`);
  }
  if (options.overrideFrom) {
    const from = findField(readHeaderBlock(raw, 0, raw.length).fields, 'from');
    // The original value as written, folds and all (RFC 5322 §2.2.3).
    const original = from ? raw.toString('latin1', raw.indexOf(0x3a, from.start) + 1, from.end).trim() : '';
    drop.add('from').add('x-original-from');
    add.push(`From: <${clean(options.overrideFrom)}>`);
    if (original) add.push(`X-Original-From: ${original}`);
  }
  return editHeaderBlock(raw, { drop: (key) => drop.has(key), add });
}
