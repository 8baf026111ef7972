/**
 * Line endings between files and SMTP. RFC 5322 §2.1 and RFC 5321 §2.3.8 want CRLF;
 * Unix tools write LF. What Letterbox stored is kept as stored; only text with bare LFs
 * is changed, and only where the caller asks.
 */

const CR = 0x0d;
const LF = 0x0a;

/** Whether any LF in the bytes is not preceded by CR. */
export function hasBareLf(bytes: Buffer): boolean {
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    if (i === 0 || bytes[i - 1] !== CR) return true;
  }
  return false;
}

/** Every bare LF becomes CRLF; CRLF pairs and lone CRs are left as they are. */
export function bareLfToCrlf(bytes: Buffer): Buffer {
  if (!hasBareLf(bytes)) return bytes;
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    if (i > 0 && bytes[i - 1] === CR) continue;
    parts.push(bytes.subarray(from, i), CRLF);
    from = i + 1;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}

/**
 * A file written by a Unix tool uses LF alone; one that holds any CRLF is already in
 * wire form and is kept byte for byte (mixed endings included), so what Letterbox
 * exported imports back unchanged.
 */
export function unixToWire(bytes: Buffer): Buffer {
  return bytes.includes(CRLF) ? bytes : bareLfToCrlf(bytes);
}

const CRLF = Buffer.from('\r\n');
