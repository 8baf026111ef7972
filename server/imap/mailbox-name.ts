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

/** Decodes modified UTF-7; a malformed shift sequence is kept as written. */
export function decodeMailboxName(name: string): string {
  return name.replace(/&([A-Za-z0-9+,]*)-/g, (whole, b64: string) => {
    if (b64 === '') return '&';
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0) return whole;
    let text = '';
    for (let i = 0; i < bytes.length; i += 2) text += String.fromCharCode(bytes.readUInt16BE(i));
    return text;
  });
}
