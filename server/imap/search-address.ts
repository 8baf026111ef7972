import { MISSING_DOMAIN, MISSING_MAILBOX, parseAddressEntries, type AddressEntry } from '../mime/address-list.js';
import { headerEnd, parseHeaderFields } from '../mime/headers.js';
import { decodeWords } from '../mime/summary.js';

/** One address as SEARCH FROM/TO/CC/BCC sees it: `name <local@domain>`, or a group's name. */
function entryText(entry: AddressEntry): string {
  if (entry.kind === 'group-end') return '';
  const name = entry.name === undefined ? '' : decodeWords(entry.name);
  if (entry.kind === 'group-start') return name;
  const local = entry.mailbox === MISSING_MAILBOX ? '' : entry.mailbox;
  const address = entry.host === MISSING_DOMAIN ? local : `${local}@${entry.host}`;
  return name === '' ? `<${address}>` : `${name} <${address}>`;
}

/**
 * The text SEARCH FROM, TO, CC and BCC (RFC 3501 §6.4.4) look in, lower case: each
 * address of every such field parsed (RFC 5322 §3.4), so comments and white space in
 * the address are gone, `local@domain` reads whole, and the display name (decoded,
 * RFC 2047; a trailing comment standing for it) and group names read too. A field
 * that holds no address is searched as written.
 */
export function addressHaystack(raw: Buffer, field: string): string {
  const lower = field.toLowerCase();
  const texts: string[] = [];
  for (const f of parseHeaderFields(raw.subarray(0, headerEnd(raw)))) {
    if (f.name.toLowerCase() !== lower) continue;
    const entries = parseAddressEntries(f.value);
    texts.push(entries.length > 0 ? entries.map(entryText).join('\n') : decodeWords(f.value));
  }
  return texts.join('\n').toLowerCase();
}
