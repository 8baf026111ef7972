import { StoreUnavailableError } from './unavailable.js';

/** Socket errors that mean the database is not there (Node's system error codes). */
const GONE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * PostgreSQL's SQLSTATEs for the same (Appendix A "PostgreSQL Error Codes"): class 08
 * (connection exception), 57P01–57P03 (shut down, crashed, cannot connect now).
 */
function serverGone(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
}

/**
 * Whether an error means the store is unreachable for now: a StoreUnavailableError, or
 * a database client's connection failure, anywhere in the `cause` chain.
 */
export function isStoreUnavailable(error: unknown): boolean {
  for (let at = error, depth = 0; at instanceof Error && depth < 8; at = at.cause, depth++) {
    if (at instanceof StoreUnavailableError) return true;
    const { code, address } = at as { code?: unknown; address?: unknown };
    if (typeof code === 'string' && (GONE_CODES.has(code) || serverGone(code))) return true;
    // A server on a unix socket that is gone leaves no socket file (libpq's `.s.PGSQL.<port>`).
    if (code === 'ENOENT' && typeof address === 'string' && address.includes('.s.PGSQL.')) return true;
    // node-postgres reports a connection lost mid-query with this message and no code.
    if (/^Connection terminated\b/.test(at.message)) return true;
  }
  return false;
}

/**
 * Whether the store can serve now. A store on one process is always ready; one on a
 * database asks it (a cheap round trip), so /readyz can take a node out of a load
 * balancer while its database is gone and put it back when it returns.
 */
export type StoreReadiness = () => Promise<boolean>;

/**
 * At start, the database given with --database could not be reached or refused the
 * node (refused, unknown host, wrong password): one line naming its host and port,
 * never the password, safe to print as it is.
 */
export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}
