/**
 * Line framing for text protocols: bytes in, lines out, with a cap on line length
 * that holds *while* bytes arrive (a line is refused once it passes the cap, not
 * after it has been read whole — Mailpit GHSA-w878-pj84-3j5v).
 *
 * Lines end with CRLF; a bare LF is accepted too, since hand-typed sessions (nc,
 * telnet on some systems) send one. The terminator is not part of the line.
 *
 * Pull-based: the owner pushes chunks and takes lines with `next()` when it is ready
 * for them, so a pipelining client is served in order and unread input stays
 * bounded to what the owner lets in (it pauses its socket while busy).
 */

/** A complete line, or the news that a line passed the cap and was thrown away. */
export type LineEvent = { kind: 'line'; line: Buffer } | { kind: 'too-long'; length: number };

const LF = 0x0a;
const CR = 0x0d;

export class LineReader {
  readonly #maxLength: number;
  /** Unconsumed input: pushed chunks, the first one read from `#offset`. */
  readonly #chunks: Buffer[] = [];
  #offset = 0;
  /** Bytes of an unfinished line held across chunks. */
  #partial: Buffer[] = [];
  #partialLength = 0;
  /** Set while skipping the rest of an over-long line; its length so far. */
  #discarding: number | undefined;

  /** `maxLength` counts the line's octets without its terminator. */
  constructor(maxLength: number) {
    this.#maxLength = maxLength;
  }

  push(chunk: Buffer): void {
    if (chunk.length > 0) this.#chunks.push(chunk);
  }

  /** Bytes pushed but not yet framed into a line. */
  get buffered(): number {
    let total = this.#partialLength - this.#offset;
    for (const chunk of this.#chunks) total += chunk.length;
    return total;
  }

  /** Forgets everything buffered, e.g. plaintext sent before a TLS handshake (RFC 2595 §4). */
  clear(): void {
    this.#chunks.length = 0;
    this.#offset = 0;
    this.#partial = [];
    this.#partialLength = 0;
    this.#discarding = undefined;
  }

  /** The next line or over-long event, or undefined when no complete line is buffered. */
  next(): LineEvent | undefined {
    for (;;) {
      const chunk = this.#chunks[0];
      if (!chunk) return undefined;
      const end = chunk.indexOf(LF, this.#offset);
      if (end < 0) {
        const passedCap = this.#keep(chunk.subarray(this.#offset));
        this.#chunks.shift();
        this.#offset = 0;
        if (passedCap) return { kind: 'too-long', length: this.#discarding ?? 0 };
        continue;
      }
      const piece = chunk.subarray(this.#offset, end);
      this.#offset = end + 1;
      if (this.#offset >= chunk.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
      if (this.#discarding !== undefined) {
        // The rest of a line already reported as too long.
        this.#discarding = undefined;
        continue;
      }
      let line = this.#partialLength > 0 ? Buffer.concat([...this.#partial, piece]) : piece;
      this.#partial = [];
      this.#partialLength = 0;
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      if (line.length > this.#maxLength) return { kind: 'too-long', length: line.length };
      return { kind: 'line', line };
    }
  }

  /**
   * Holds the start of an unfinished line. Once it passes the cap, it is reported at
   * once (the client hears about it without sending the rest) and skipped up to its
   * end. Returns true when the line has just passed the cap.
   */
  #keep(bytes: Buffer): boolean {
    if (this.#discarding !== undefined) {
      this.#discarding += bytes.length;
      return false;
    }
    // +1: the cap excludes the terminator, and a CR may be waiting for its LF.
    if (this.#partialLength + bytes.length > this.#maxLength + 1) {
      this.#discarding = this.#partialLength + bytes.length;
      this.#partial = [];
      this.#partialLength = 0;
      return true;
    }
    // Copy: the chunk may be a slice of a larger pooled buffer we must not pin.
    this.#partial.push(Buffer.from(bytes));
    this.#partialLength += bytes.length;
    return false;
  }
}
