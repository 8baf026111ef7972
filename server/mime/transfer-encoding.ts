/** Content-Transfer-Encodings (RFC 2045 §6.1) this server can undo. */
const KNOWN = new Set(['7bit', '8bit', 'binary', 'quoted-printable', 'base64']);

/** A Content-Transfer-Encoding value as compared: trimmed, lower case; none given is 7bit. */
export function transferEncoding(written: string | undefined): string {
  return (written ?? '7bit').trim().toLowerCase();
}

export function isKnownEncoding(encoding: string): boolean {
  return KNOWN.has(encoding);
}

/** Whether the stored bytes are the decoded body (RFC 2045 §6.2 identity encodings). */
export function isIdentityEncoding(encoding: string): boolean {
  return encoding === '7bit' || encoding === '8bit' || encoding === 'binary';
}

/** The body with its transfer encoding undone; undefined for an encoding not known. */
export function decodeTransfer(body: Buffer, encoding: string): Buffer | undefined {
  if (isIdentityEncoding(encoding)) return body;
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === 'base64') return Buffer.from(body.toString('latin1'), 'base64');
  return undefined;
}

/** RFC 2045 §6.7: `=XX` octets and soft line breaks (`=` at the end of a line). */
export function decodeQuotedPrintable(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length);
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (byte !== 0x3d) {
      out[n++] = byte;
      continue;
    }
    const a = body[i + 1];
    const b = body[i + 2];
    if (a === 0x0d && b === 0x0a) i += 2;
    else if (a === 0x0a) i += 1;
    else if (a !== undefined && b !== undefined && isHex(a) && isHex(b)) {
      out[n++] = parseInt(String.fromCharCode(a, b), 16);
      i += 2;
    } else out[n++] = byte;
  }
  return out.subarray(0, n);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
