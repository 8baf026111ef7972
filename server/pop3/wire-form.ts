/**
 * How a stored message travels in RETR and TOP (RFC 1939 §3, §11).
 *
 * POP3 is a CRLF protocol: the stored bytes go out unchanged, except that
 * - a bare LF (stored mail may hold one: the store keeps what it was given) goes out
 *   as CRLF, as RFC 1939 §11 asks of hosts with other line conventions;
 * - a message that does not end with a line break gets a final CRLF, so the
 *   terminating `.` stands on its own line;
 * - a line starting with `.` gets one more `.` (byte-stuffing, §3), which the client
 *   removes.
 *
 * The size LIST and STAT report is the size after the first two and before the
 * third, so it equals exactly what a client holds once it has un-stuffed RETR. For
 * mail received over SMTP (CRLF already) that is the stored size, byte for byte.
 */

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/** Chunks handed to the socket are at most this big, so a stalled client holds little. */
export const CHUNK_SIZE = 64 * 1024;

export interface WireInfo {
  /** Octets the client receives for the whole message, before byte-stuffing. */
  readonly size: number;
  /** True when the stored bytes can be sent as they are: CRLF only, ending in CRLF, no line starting with `.`. */
  readonly verbatim: boolean;
}

const cache = new WeakMap<Buffer, WireInfo>();

/** The wire size and shape of stored bytes; computed once per message (stored bytes never change). */
export function wireInfo(raw: Buffer): WireInfo {
  let info = cache.get(raw);
  if (!info) {
    info = measure(raw);
    cache.set(raw, info);
  }
  return info;
}

function measure(raw: Buffer): WireInfo {
  if (raw.length === 0) return { size: 0, verbatim: true };
  let bareLf = 0;
  let dotLine = raw[0] === DOT;
  for (let at = raw.indexOf(LF); at >= 0; at = raw.indexOf(LF, at + 1)) {
    if (at === 0 || raw[at - 1] !== CR) bareLf++;
    if (raw[at + 1] === DOT) dotLine = true;
  }
  const endsWithLf = raw[raw.length - 1] === LF;
  return { size: raw.length + bareLf + (endsWithLf ? 0 : 2), verbatim: bareLf === 0 && endsWithLf && !dotLine };
}

/**
 * The bytes of a message as RETR sends them, byte-stuffed, in chunks of at most
 * CHUNK_SIZE (plus a few octets), without the terminating `.` line.
 */
export function* retrChunks(raw: Buffer): Generator<Buffer> {
  yield* stuffedChunks(raw, wireInfo(raw).verbatim);
}

/**
 * TOP n m (RFC 1939 §7): the header, the blank line after it, and the first `lines`
 * lines of the body, in the same wire form as RETR.
 */
export function* topChunks(raw: Buffer, lines: number): Generator<Buffer> {
  yield* stuffedChunks(raw.subarray(0, topEnd(raw, lines)), false);
}

/** Offset just past the `lines`-th body line (or the end of the message). */
function topEnd(raw: Buffer, lines: number): number {
  let start = 0;
  // The header ends at the first empty line (RFC 5322 §2.1), CRLF or bare LF.
  for (;;) {
    const lf = raw.indexOf(LF, start);
    if (lf < 0) return raw.length;
    const empty = lf === start || (lf === start + 1 && raw[start] === CR);
    start = lf + 1;
    if (empty) break;
  }
  for (let i = 0; i < lines; i++) {
    const lf = raw.indexOf(LF, start);
    if (lf < 0) return raw.length;
    start = lf + 1;
  }
  return start;
}

function* stuffedChunks(raw: Buffer, verbatim: boolean): Generator<Buffer> {
  if (raw.length === 0) return;
  if (verbatim) {
    // No copy: slices of the stored buffer.
    for (let at = 0; at < raw.length; at += CHUNK_SIZE) yield raw.subarray(at, Math.min(raw.length, at + CHUNK_SIZE));
    return;
  }
  let out = Buffer.allocUnsafe(CHUNK_SIZE + 3);
  let used = 0;
  let start = 0;
  while (start < raw.length) {
    const lf = raw.indexOf(LF, start);
    const end = lf < 0 ? raw.length : lf; // the line's content ends here (a CR before LF stays in it)
    const hasCr = end > start && raw[end - 1] === CR && lf >= 0;
    const contentEnd = hasCr ? end - 1 : end;
    if (raw[start] === DOT) out[used++] = DOT;
    // Copy the line's content, flushing full chunks; a long line spans several chunks.
    let from = start;
    while (from < contentEnd) {
      if (used >= CHUNK_SIZE) {
        yield out.subarray(0, used);
        out = Buffer.allocUnsafe(CHUNK_SIZE + 3);
        used = 0;
      }
      const n = Math.min(contentEnd - from, CHUNK_SIZE - used);
      raw.copy(out, used, from, from + n);
      used += n;
      from += n;
    }
    out[used++] = CR;
    out[used++] = LF;
    start = lf < 0 ? raw.length : lf + 1;
    if (used >= CHUNK_SIZE) {
      yield out.subarray(0, used);
      out = Buffer.allocUnsafe(CHUNK_SIZE + 3);
      used = 0;
    }
  }
  if (used > 0) yield out.subarray(0, used);
}

/** The multi-line terminator (RFC 1939 §3). */
export const TERMINATOR = Buffer.from('.\r\n');
