import { Transform } from 'node:stream';

/**
 * Line endings between files and SMTP. RFC 5322 §2.1 and RFC 5321 §2.3.8 want CRLF;
 * Unix tools write LF. What Letterbox stored is kept as stored; only text with bare LFs
 * is changed, and only where the caller asks.
 */

const CR = 0x0d;
const LF = 0x0a;

/** Whether any LF in the bytes is not preceded by CR (`afterCr`: the bytes before them ended in one). */
export function hasBareLf(bytes: Buffer, afterCr = false): boolean {
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    if (!followsCr(bytes, i, afterCr)) return true;
  }
  return false;
}

/** Every bare LF becomes CRLF; CRLF pairs and lone CRs are left as they are. */
export function bareLfToCrlf(bytes: Buffer, afterCr = false): Buffer {
  if (!hasBareLf(bytes, afterCr)) return bytes;
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    if (followsCr(bytes, i, afterCr)) continue;
    parts.push(bytes.subarray(from, i), CRLF);
    from = i + 1;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}

/** bareLfToCrlf over a stream: a CR that ends one chunk pairs with an LF that starts the next. */
export function bareLfToCrlfStream(): Transform {
  let afterCr = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const out = bareLfToCrlf(chunk, afterCr);
      if (chunk.length > 0) afterCr = chunk[chunk.length - 1] === CR;
      done(null, out);
    },
  });
}

function followsCr(bytes: Buffer, lf: number, afterCr: boolean): boolean {
  return lf > 0 ? bytes[lf - 1] === CR : afterCr;
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
