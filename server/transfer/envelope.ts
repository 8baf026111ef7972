import { firstField, readHeaderFields, type HeaderField } from '../mime/headers.js';
import { parseAddressList } from '../mime/summary.js';
import type { Envelope } from '../store/types.js';

/** The fields an envelope is read from; a control character in one is refused, not parsed. */
const ENVELOPE_FIELDS = /^(?:(?:resent-)?(?:to|cc|bcc)|return-path|sender|from)$/i;
/**
 * Unfolded, a field value holds no control character but HTAB (RFC 5322 §2.2). A bare
 * CR is the classic header injection (`To: bob@x\rCc: eve@y` from an app that strips
 * only LF): parsed, it would turn Bob's address into a group name and mail Eve alone.
 */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export type EnvelopeResult = { ok: true; envelope: Envelope } | { ok: false; error: string };

/**
 * The SMTP envelope a message's own header implies, as `sendmail -t` and importers
 * take it: recipients from every To, Cc and Bcc field (and their Resent- forms when
 * present, RFC 5322 §3.6.6), sender from Return-Path, else Sender, else From.
 */
export function envelopeFromHeader(raw: Buffer): EnvelopeResult {
  const fields = readHeaderFields(raw, 1024 * 1024, 10_000);
  for (const field of fields) {
    const bad = ENVELOPE_FIELDS.test(field.name) ? CONTROL.exec(field.value) : null;
    if (bad) return { ok: false, error: `the ${field.name} field holds a control character (0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()})` };
  }
  const resent = fields.some((f) => /^resent-(to|cc|bcc)$/i.test(f.name));
  const names = resent ? ['resent-to', 'resent-cc', 'resent-bcc'] : ['to', 'cc', 'bcc'];
  return { ok: true, envelope: { mailFrom: senderFrom(fields), rcptTo: recipients(fields, names) } };
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
