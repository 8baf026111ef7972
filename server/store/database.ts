/**
 * The connection to the PostgreSQL database given with --database: one pool for the
 * node, checked once at start so a database that cannot be reached is one clear line
 * (naming its host and port, never the password), and asked by /readyz while running.
 */
import pg from 'pg';
import { formatHostPort } from '../lib/host-port.js';
import type { Logger } from '../lib/log.js';
import { DatabaseUnreachableError, type StoreReadiness } from './store-unavailable.js';

export interface Database {
  readonly pool: pg.Pool;
  /** `host:port` (or the socket folder and port), for messages. */
  readonly where: string;
  readonly url: string;
  /** Why an operation failed, on one line, never with the password. */
  explain(error: unknown): string;
  /** A round trip to the database, bounded in time: false while it is gone. */
  readonly ready: StoreReadiness;
  close(): Promise<void>;
}

/** libpq's default port (PostgreSQL docs, "Connection Strings"). */
const DEFAULT_PORT = 5432;
/** How long a node waits for a connection before it answers "try again later". */
const CONNECT_TIMEOUT_MS = 5_000;
/** How long /readyz waits for its round trip. */
const READY_TIMEOUT_MS = 2_000;

/** Where a connection URL points, as it may be printed: the host (or socket folder) and port. */
export function databaseWhere(url: string): string {
  const parsed = new URL(url);
  const host = decodeURIComponent(parsed.hostname) || parsed.searchParams.get('host') || 'localhost';
  const port = Number(parsed.port || parsed.searchParams.get('port') || DEFAULT_PORT);
  return formatHostPort({ host: host.replace(/^\[(.*)\]$/, '$1'), port });
}

/** Opens the pool and makes one round trip; throws DatabaseUnreachableError when it cannot. */
export async function connectDatabase(url: string, logger: Logger): Promise<Database> {
  const where = databaseWhere(url);
  const password = passwordOf(url);
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, idleTimeoutMillis: 30_000 });
  // An idle connection the server drops is reported here; unheard, the event would end
  // the process. The pool makes a new connection on the next query.
  pool.on('error', (error) => logger.warn('database connection lost', { where, error: safeText(error, password) }));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUnreachableError(`cannot use the database at ${where}: ${safeText(error, password)}`);
  }
  let closed: Promise<void> | undefined;
  return {
    pool,
    where,
    url,
    explain: (error) => safeText(error, password),
    ready: () => roundTrip(pool),
    close: () => (closed ??= pool.end()),
  };
}

function roundTrip(pool: pg.Pool): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    timer.unref();
  });
  const answer = pool.query('SELECT 1').then(
    () => true,
    () => false,
  );
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

function passwordOf(url: string): string {
  try {
    const parsed = new URL(url);
    return decodeURIComponent(parsed.password) || parsed.searchParams.get('password') || '';
  } catch {
    return '';
  }
}

/** Socket failures in words; anything else (the server's own refusal) keeps its message. */
const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
  ETIMEDOUT: 'no answer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOENT: 'no server listening on that socket',
};

/** Why a connection failed, on one line, with the password taken out should a driver ever quote it. */
function safeText(error: unknown, password: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? SOCKET_REASONS[code] : undefined;
  // node-postgres's words when connectionTimeoutMillis passes.
  const message = error instanceof Error ? error.message.replace(/^timeout expired$/, `no answer within ${CONNECT_TIMEOUT_MS / 1000}s`) : String(error);
  const line = (known ?? (message || 'failed')).replace(/\s+/g, ' ').trim().slice(0, 300);
  return password ? line.split(password).join('***') : line;
}
