import { firstField, readHeaderFields, type HeaderField } from '../mime/headers.js';
import { parseAddressList } from '../mime/summary.js';
import type { Envelope } from '../store/types.js';

/**
 * The SMTP envelope a message's own header implies, as `sendmail -t` and importers
 * take it: recipients from every To, Cc and Bcc field (and their Resent- forms when
 * present, RFC 5322 §3.6.6), sender from Return-Path, else Sender, else From.
 */
export function envelopeFromHeader(raw: Buffer): Envelope {
  const fields = readHeaderFields(raw, 1024 * 1024, 10_000);
  const resent = fields.some((f) => /^resent-(to|cc|bcc)$/i.test(f.name));
  const names = resent ? ['resent-to', 'resent-cc', 'resent-bcc'] : ['to', 'cc', 'bcc'];
  return { mailFrom: senderFrom(fields), rcptTo: recipients(fields, names) };
}

/** Every address in the named fields, each once (first spelling kept), in order. */
function recipients(fields: HeaderField[], names: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const field of fields) {
    if (!names.includes(field.name.toLowerCase())) continue;
    for (const { address } of parseAddressList(field.value)) {
      const key = address.toLowerCase();
      if (!address || seen.has(key)) continue;
      seen.add(key);
      out.push(address);
    }
  }
  return out;
}

function senderFrom(fields: HeaderField[]): string {
  const returnPath = firstField(fields, 'Return-Path');
  if (returnPath !== undefined) {
    const inside = /<([^>]*)>/.exec(returnPath);
    return (inside ? (inside[1] ?? '') : returnPath).trim();
  }
  for (const name of ['Sender', 'From']) {
    const address = parseAddressList(firstField(fields, name))[0]?.address;
    if (address) return address;
  }
  return '';
}
