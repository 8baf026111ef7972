const LF = 0x0a;

/**
 * A deadline per line of client input, against slowloris: an idle timeout only
 * catches silence, so a client that trickles one byte of a line that never ends
 * keeps its connection forever. Here every line (a command, a line of message data,
 * a literal's line) must arrive whole within `ms` of its first byte.
 *
 * The owner shows it each chunk as read from the socket (after TLS); a chunk that
 * ends with LF leaves nothing pending and stops the clock, one that ends inside a
 * line starts it for that line. `ms` of 0 turns it off.
 */
export class LineDeadline {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onExpired: () => void,
  ) {}

  observe(chunk: Buffer): void {
    if (chunk.length === 0 || this.ms <= 0) return;
    // A line ended in this chunk: the clock, if running, was for that one.
    if (chunk.lastIndexOf(LF) >= 0) this.stop();
    if (chunk[chunk.length - 1] === LF || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.onExpired();
    }, this.ms);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
