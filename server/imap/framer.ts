/**
 * Splits the bytes a client sends into IMAP command lines (RFC 3501 §2.2.1). A line
 * ending in a literal announcement `{n}` (synchronising, §7.5) or `{n+}` (RFC 7888
 * LITERAL+) is followed by n raw bytes and then the rest of the command, so a frame
 * is one whole command with its literals inline, which the parser reads in one pass.
 *
 * Memory is bounded: a line longer than `maxLine` is dropped as it arrives, and a
 * literal larger than `maxLiteral` is refused before a single byte of it is kept
 * (never pre-allocated: CPython gh-119511, Ruby net-imap CVE-2025-43857).
 */

export type Frame =
  /** A whole command: its lines and literals, CRLF-terminated. */
  | { kind: 'line'; bytes: Buffer }
  /** A line passed the cap; `head` is its start (for the tag); its rest is skipped. */
  | { kind: 'too-long'; head: Buffer }
  /** A literal larger than the cap was announced; `head` is the command so far. */
  | { kind: 'literal-too-big'; head: Buffer; size: number; sync: boolean };

export interface FramerLimits {
  maxLine: number;
  maxLiteral: number;
}

const LF = 0x0a;
const EMPTY = Buffer.alloc(0);
const HEAD_BYTES = 64;
/** `{123}` or `{123+}` at the end of a line (before CRLF or a bare LF). */
const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}\r?\n$/;

export class Framer {
  #buffer: Buffer = EMPTY;
  #parts: Buffer[] = [];
  #literalLeft = 0;
  #literalTotal = 0;
  #skipping = false;

  constructor(
    private readonly limits: FramerLimits,
    private readonly onFrame: (frame: Frame) => void,
    /** A synchronising literal was announced and accepted: the server must send `+`. */
    private readonly onContinue: () => void,
  ) {}

  /** Bytes held for an incomplete command (for tests of boundedness). */
  get buffered(): number {
    return this.#buffer.length + this.#parts.reduce((n, p) => n + p.length, 0);
  }

  /** Whether bytes are waiting (pipelined after STARTTLS, which RFC 3501 §6.2.1 forbids). */
  get idle(): boolean {
    return this.#buffer.length === 0 && this.#parts.length === 0 && this.#literalLeft === 0;
  }

  push(chunk: Buffer): void {
    let data = this.#buffer.length > 0 ? Buffer.concat([this.#buffer, chunk]) : chunk;
    this.#buffer = EMPTY;
    while (data.length > 0) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, data.length);
        this.#parts.push(data.subarray(0, take));
        this.#literalLeft -= take;
        data = data.subarray(take);
        continue;
      }
      const lf = data.indexOf(LF);
      if (this.#skipping) {
        if (lf < 0) return;
        this.#skipping = false;
        data = data.subarray(lf + 1);
        continue;
      }
      if (lf < 0) {
        if (data.length > this.limits.maxLine) this.#tooLong(data);
        else this.#buffer = Buffer.from(data);
        return;
      }
      if (lf + 1 > this.limits.maxLine) {
        this.#tooLong(data);
        data = data.subarray(lf + 1);
        this.#skipping = false;
        continue;
      }
      const line = data.subarray(0, lf + 1);
      data = data.subarray(lf + 1);
      this.#line(line);
    }
  }

  #line(line: Buffer): void {
    this.#parts.push(line);
    // Only look for `{n}` in the tail, so a long line is not scanned twice.
    const tail = line.subarray(Math.max(0, line.length - 28)).toString('latin1');
    const match = LITERAL_AT_END.exec(tail);
    if (!match) {
      const bytes = this.#parts.length === 1 ? Buffer.from(line) : Buffer.concat(this.#parts);
      this.#reset();
      this.onFrame({ kind: 'line', bytes });
      return;
    }
    const size = Number(match[1]);
    const sync = match[2] !== '+';
    this.#literalTotal += size;
    if (!Number.isSafeInteger(size) || this.#literalTotal > this.limits.maxLiteral) {
      const head = Buffer.concat(this.#parts).subarray(0, HEAD_BYTES);
      this.#reset();
      // A non-synchronising literal is already on its way: skip the rest of the stream's line.
      this.onFrame({ kind: 'literal-too-big', head, size, sync });
      return;
    }
    this.#literalLeft = size;
    if (sync) this.onContinue();
  }

  #tooLong(data: Buffer): void {
    const head = Buffer.concat([...this.#parts, data.subarray(0, HEAD_BYTES)]).subarray(0, HEAD_BYTES);
    this.#reset();
    this.#skipping = true;
    this.onFrame({ kind: 'too-long', head });
  }

  #reset(): void {
    this.#parts = [];
    this.#literalLeft = 0;
    this.#literalTotal = 0;
  }
}
