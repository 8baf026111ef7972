/**
 * Message bytes as SMTP DATA carries them, for the CLI and release alike, in one pass
 * that keeps its place across chunks:
 * - transparency (RFC 5321 §4.5.2): a line that starts with "." gets one more;
 * - line ends, when asked (`crlf`): every bare CR and every bare LF becomes CRLF
 *   (§2.3.8), so no lone CR or LF reaches a server that would read it as a line end
 *   where the next hop does not (the SMTP smuggling shape). `keep` leaves them as
 *   they are, for Letterbox's own CLI, which copies messages byte for byte; line
 *   starts then follow any LF, as servers read them.
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF_PAIR = (CR << 8) | LF;
const DOT_BYTES = Buffer.from('.');
const LF_BYTES = Buffer.from('\n');
const CRLF = Buffer.from('\r\n');

export type LineEnds = 'keep' | 'crlf';

/** Where `byte` next is in `chunk` from `from`, or the chunk's length when it is not. */
function find(chunk: Buffer, byte: number, from: number): number {
  const at = chunk.indexOf(byte, from);
  return at === -1 ? chunk.length : at;
}

export class DataEncoder {
  readonly #crlf: boolean;
  #atLineStart = true;
  /** `crlf`: the last chunk ended in a CR, written as it is; its LF depends on the next byte. */
  #pendingCr = false;
  /** The last two bytes written, for the terminator. */
  #lastTwo = 0;
  #empty = true;

  constructor(lineEnds: LineEnds) {
    this.#crlf = lineEnds === 'crlf';
  }

  /**
   * The encoded form of the next chunk; the same buffer when nothing in it changes.
   * Linear: each of CR and LF is searched for once over the chunk.
   */
  push(chunk: Buffer): Buffer {
    const n = chunk.length;
    if (n === 0) return chunk;
    this.#empty = false;
    const crlf = this.#crlf;
    const parts: Buffer[] = [];
    let from = 0;
    let i = 0;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      if (chunk[0] === LF) i = 1; // a CRLF pair split between chunks
      else parts.push(LF_BYTES);
    }
    let cr = -1;
    let lf = -1;
    while (i < n) {
      if (this.#atLineStart) {
        this.#atLineStart = false;
        if (chunk[i] === DOT) {
          parts.push(chunk.subarray(from, i), DOT_BYTES);
          from = i;
        }
      }
      if (lf < i) lf = find(chunk, LF, i);
      if (crlf && cr < i) cr = find(chunk, CR, i);
      const at = crlf ? Math.min(cr, lf) : lf;
      if (at >= n) break;
      this.#atLineStart = true;
      i = at + 1;
      if (!crlf) continue;
      if (chunk[at] === LF) {
        // A bare LF: the LF of a CRLF pair is passed over with its CR below.
        parts.push(chunk.subarray(from, at), CRLF);
        from = i;
      } else if (chunk[i] === LF) {
        i++;
      } else if (i === n) {
        this.#pendingCr = true;
      } else {
        parts.push(chunk.subarray(from, i), LF_BYTES);
        from = i;
      }
    }
    const out = parts.length === 0 ? chunk : Buffer.concat([...parts, chunk.subarray(from)]);
    this.#lastTwo = out.length >= 2 ? ((out[out.length - 2] as number) << 8) | (out[out.length - 1] as number) : ((this.#lastTwo & 0xff) << 8) | (out[0] as number);
    return out;
  }

  /**
   * The end of DATA (RFC 5321 §4.1.1.4): CRLF "." CRLF, whose first CRLF is the
   * message's own last line end when it has one.
   */
  end(): Buffer {
    if (this.#pendingCr) return Buffer.from('\n.\r\n');
    return Buffer.from(this.#empty || this.#lastTwo === CRLF_PAIR ? '.\r\n' : '\r\n.\r\n');
  }
}

/** The whole message as DATA: encoded, then the terminator. */
export function encodeData(raw: Buffer, lineEnds: LineEnds): Buffer {
  const encoder = new DataEncoder(lineEnds);
  return Buffer.concat([encoder.push(raw), encoder.end()]);
}

/**
 * Dot-stuffing alone (RFC 5321 §4.5.2), line ends kept; without a line to stuff the
 * same buffer comes back.
 */
export function dotStuff(raw: Buffer): Buffer {
  return new DataEncoder('keep').push(raw);
}
