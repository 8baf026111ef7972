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

/**
 * RFC 2045 §6.7: `=XX` octets; white space at the end of an encoded line is padding
 * a transport may have added, so it is dropped (rule 3); a line ending in `=`, white
 * space allowed after it, is a soft break that joins the next line (rule 5). Hard
 * line breaks are kept as written (CRLF or a bare LF).
 */
export function decodeQuotedPrintable(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length);
  let n = 0;
  let start = 0;
  while (start < body.length) {
    const lf = body.indexOf(0x0a, start);
    const next = lf === -1 ? body.length : lf + 1;
    let end = lf === -1 ? body.length : lf > start && body[lf - 1] === 0x0d ? lf - 1 : lf;
    while (end > start && isWhite(body[end - 1] as number)) end--;
    // The last `=` of a line can only be a soft break: `=XX` ends in a hex digit.
    const soft = end > start && body[end - 1] === 0x3d;
    n = decodeLine(body, start, soft ? end - 1 : end, out, n);
    if (!soft && lf !== -1) {
      const breakStart = body[lf - 1] === 0x0d && lf - 1 >= start ? lf - 1 : lf;
      for (let i = breakStart; i <= lf; i++) out[n++] = body[i] as number;
    }
    start = next;
  }
  return out.subarray(0, n);
}

/** Decodes `=XX` in `[start, end)` into `out` at `n`; a `=` not followed by two hex digits is kept. */
function decodeLine(body: Buffer, start: number, end: number, out: Buffer, n: number): number {
  for (let i = start; i < end; i++) {
    const byte = body[i] as number;
    const a = body[i + 1];
    const b = body[i + 2];
    if (byte === 0x3d && i + 2 < end && a !== undefined && b !== undefined && isHex(a) && isHex(b)) {
      out[n++] = parseInt(String.fromCharCode(a, b), 16);
      i += 2;
    } else out[n++] = byte;
  }
  return n;
}

function isWhite(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
