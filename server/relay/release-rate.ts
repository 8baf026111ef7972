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
  /**
   * What the bucket holds, in units of 1/windowMs of a release, so that refilling
   * (elapsed ms × count) and spending (windowMs per release) stay whole numbers and
   * a bucket refilled in thirds still reaches one release exactly.
   */
  #units: number;
  #at: number;

  constructor(rate: ReleaseRate, now: number) {
    this.#rate = rate;
    this.#units = rate.count * rate.windowMs;
    this.#at = now;
  }

  /** Takes one release from the bucket, or says how long until one is there. */
  take(now: number): RateVerdict {
    const { count, windowMs } = this.#rate;
    // A clock that went back refills nothing, and never takes anything away.
    const elapsed = Math.max(0, Math.floor(now - this.#at));
    this.#units = Math.min(count * windowMs, this.#units + elapsed * count);
    this.#at = Math.max(this.#at, now);
    if (this.#units >= windowMs) {
      this.#units -= windowMs;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((windowMs - this.#units) / count) };
  }
}
