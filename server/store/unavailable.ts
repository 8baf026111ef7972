/**
 * A write a store could not make durable (its database is unreachable, or refused the
 * commit). Nothing of it was kept. Fronts answer it as "try again later": SMTP 451
 * 4.3.0 (RFC 3463 §3.4), HTTP 503, IMAP NO [UNAVAILABLE] (RFC 5530 §3).
 */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the store is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}
