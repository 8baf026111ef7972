/**
 * --release-rate: at most N releases per window, as a token bucket that holds N and
 * refills evenly over the window, so a burst of N goes at once and the rest at the
 * configured pace. The clock is injected; a clock that stands still never refills.
 */

export interface ReleaseRate {
  /** Releases per window. */
  count: number;
  windowMs: number;
  /** As configured, e.g. `60/min`, for messages. */
  text: string;
}

export type RateVerdict = { ok: true } | { ok: false; retryAfterMs: number };

export class RateLimiter {
  readonly #rate: ReleaseRate;
  #tokens: number;
  #at: number;

  constructor(rate: ReleaseRate, now: number) {
    this.#rate = rate;
    this.#tokens = rate.count;
    this.#at = now;
  }

  /** Takes one release from the bucket, or says how long until one is there. */
  take(now: number): RateVerdict {
    const { count, windowMs } = this.#rate;
    // A clock that went back refills nothing, and never takes tokens away.
    const elapsed = Math.max(0, now - this.#at);
    this.#tokens = Math.min(count, this.#tokens + (elapsed * count) / windowMs);
    this.#at = Math.max(this.#at, now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.#tokens) * windowMs) / count) };
  }
}
