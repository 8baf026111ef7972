/**
 * Bounds on what a release records of an SMTP session. A server chooses how much it
 * says: RFC 5321 §4.5.3.1.5 limits a reply line to 512 octets, but a hostile or broken
 * smarthost can send 100 continuation lines of 4 KB to every RCPT (all of which the
 * reader must take to find the reply's end). Kept whole, one release of 100
 * recipients held 40 MB of transcript, shown twice per API answer and sent as one
 * WebSocket frame far above --ws-max-buffer. So every recorded line is clipped, each
 * attempt keeps the beginning and the end of its session with a marker for what was
 * cut, and a reply as recorded for a recipient is clipped too.
 */

/** RFC 5321 §4.5.3.1.5: 512 octets is the longest reply line a server should send. */
export const MAX_RECORDED_LINE = 512;
/** Bytes of the beginning of a session kept (greeting, EHLO, MAIL, the first RCPTs). */
export const TRANSCRIPT_HEAD_BYTES = 8 * 1024;
/** Bytes of the end of a session kept (the last RCPTs, DATA and its verdict, QUIT). */
export const TRANSCRIPT_TAIL_BYTES = 8 * 1024;

/** What was cut, as the transcript shows it. */
export const leftOut = (bytes: number) => `… ${bytes} bytes left out …`;

/** A line as recorded: at most MAX_RECORDED_LINE characters, marked when cut. */
export function clipLine(line: string, max = MAX_RECORDED_LINE): string {
  return line.length <= max ? line : `${line.slice(0, max)}${leftOut(line.length - max)}`;
}

/**
 * A session's transcript with a fixed most size: the first TRANSCRIPT_HEAD_BYTES as
 * they came, then the last TRANSCRIPT_TAIL_BYTES, with one `… N bytes left out …` line
 * between them when anything was dropped. Memory stays bounded while the session runs,
 * not only once it is recorded.
 */
export class BoundedTranscript {
  readonly #head: string[] = [];
  #headBytes = 0;
  #tail: string[] = [];
  /** Index of the first kept line of #tail (lines before it are dropped, compacted now and then). */
  #tailStart = 0;
  #tailBytes = 0;
  #omitted = 0;

  constructor(
    private readonly headBytes = TRANSCRIPT_HEAD_BYTES,
    private readonly tailBytes = TRANSCRIPT_TAIL_BYTES,
  ) {}

  push(...lines: string[]): void {
    for (const raw of lines) {
      const line = clipLine(raw);
      if (this.#tail.length === 0 && this.#headBytes + line.length <= this.headBytes) {
        this.#head.push(line);
        this.#headBytes += line.length;
        continue;
      }
      this.#tail.push(line);
      this.#tailBytes += line.length;
      while (this.#tailBytes > this.tailBytes && this.#tailStart < this.#tail.length - 1) {
        const dropped = this.#tail[this.#tailStart++] as string;
        this.#tailBytes -= dropped.length;
        this.#omitted += dropped.length;
      }
      if (this.#tailStart > 1024) {
        this.#tail = this.#tail.slice(this.#tailStart);
        this.#tailStart = 0;
      }
    }
  }

  lines(): string[] {
    const tail = this.#tail.slice(this.#tailStart);
    return this.#omitted > 0 ? [...this.#head, leftOut(this.#omitted), ...tail] : [...this.#head, ...tail];
  }
}

/**
 * The same bounds over a transcript given whole (from an injected SmtpClient, or a
 * journal). One already within them is kept as it is: bounded again, its `left out`
 * marker would count as a line of the session and be cut in turn.
 */
export function boundTranscript(lines: readonly string[]): string[] {
  const clipped = MAX_RECORDED_LINE + leftOut(Number.MAX_SAFE_INTEGER).length;
  if (sizeOf(lines) <= TRANSCRIPT_HEAD_BYTES + TRANSCRIPT_TAIL_BYTES + clipped && lines.every((line) => line.length <= clipped)) return [...lines];
  const bounded = new BoundedTranscript();
  for (const line of lines) bounded.push(line);
  return bounded.lines();
}

/** The size of a list of lines as kept (for budgets over a whole release). */
export function sizeOf(lines: readonly string[]): number {
  let bytes = 0;
  for (const line of lines) bytes += line.length;
  return bytes;
}
