import { ParseError } from './parser.js';

/**
 * Mailbox names on the wire. IMAP4rev1 clients send and expect modified UTF-7
 * (RFC 3501 §5.1.3); after ENABLE IMAP4rev2 or UTF8=ACCEPT names are plain UTF-8
 * (RFC 9051 §5.1, RFC 6855 §3).
 */

/** Modified BASE64 (RFC 3501 §5.1.3): "," instead of "/", no padding. */
function toModifiedBase64(units: number[]): string {
  const bytes = Buffer.alloc(units.length * 2);
  units.forEach((unit, i) => bytes.writeUInt16BE(unit, i * 2));
  return bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',');
}

export function encodeMailboxName(name: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    out += '&' + toModifiedBase64(pending) + '-';
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit >= 0x20 && unit <= 0x7e) {
      flush();
      out += unit === 0x26 ? '&-' : name[i];
    } else pending.push(unit);
  }
  flush();
  return out;
}

/**
 * Good syntax (an astring of printable ASCII) that is no mailbox name: not modified UTF-7
 * in its one spelling. No mailbox can have it, so it is NO [CANNOT] (RFC 5530 §3: it can
 * never succeed), and as a LIST pattern it matches nothing; bad syntax is BAD (ParseError).
 */
export class NotAMailboxName extends Error {
  constructor() {
    super('mailbox name is not canonical modified UTF-7 (RFC 3501 section 5.1.3)');
    this.name = 'NotAMailboxName';
  }
}

// ignoreBOM: a leading U+FEFF is part of the name, not dropped (else two names would be one).
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A mailbox name (or LIST pattern) as the client sent it, in Unicode; ParseError (BAD)
 * when it is no name, NotAMailboxName when it could be one but is not spelt as one.
 * The one place names from the wire are read (but for IMAP URLs, whose names are
 * percent-encoded UTF-8, RFC 5092 §3.3: imap-url.ts).
 *
 * With UTF8=ACCEPT or IMAP4rev2 names are UTF-8 (RFC 6855 §3, RFC 9051 §5.1), so
 * they must be valid UTF-8: decoding a bad byte as U+FFFD would merge different names.
 *
 * Under IMAP4rev1 names are modified UTF-7 (RFC 3501 §5.1.3), which is 7-bit (a quoted
 * string has no 8-bit CHAR either, RFC 3501 §9), and only its one spelling of a name
 * is taken: the one encodeMailboxName writes back. That refuses printable ASCII in
 * base64 (`&AGEAYg-` for "ab": it "MUST NOT" be, §5.1.3), a shift not closed by "-",
 * "&" not written "&-", and leftover bits; otherwise two spellings would name one
 * mailbox, or a LIST answer would not be the name the client created.
 */
export function decodeMailboxName(bytes: Buffer, utf8: boolean): string {
  if (utf8) {
    try {
      return UTF8.decode(bytes);
    } catch {
      throw new ParseError('mailbox name is not valid UTF-8 (RFC 6855 section 3)');
    }
  }
  if (bytes.some((b) => b >= 0x80)) throw new ParseError('8-bit mailbox name: names are modified UTF-7 (RFC 3501 section 5.1.3) unless UTF8=ACCEPT is enabled');
  const wire = bytes.toString('latin1');
  const name = wire.replace(/&([A-Za-z0-9+,]*)-/g, (_, b64: string) => (b64 === '' ? '&' : fromModifiedBase64(b64)));
  // Lone surrogates round-trip through base64 but are no Unicode text.
  if (encodeMailboxName(name) !== wire || /\p{Cs}/u.test(name)) throw new NotAMailboxName();
  return name;
}

function fromModifiedBase64(b64: string): string {
  const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
  let text = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode(bytes.readUInt16BE(i));
  return text;
}
