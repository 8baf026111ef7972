import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type Postgres } from './postgres.js';

const run = promisify(execFile);

/**
 * A private PostgreSQL (helpers/postgres.ts) for the tests of one describe block:
 * started before them, removed after. Returns the running cluster's handle.
 */
export function usePostgres(): () => Postgres {
  let postgres: Postgres | undefined;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
  });
  return () => {
    if (!postgres) throw new Error('PostgreSQL did not start');
    return postgres;
  };
}

/**
 * `pg_ctl stop` / `start` on a test cluster, as an operator restarting the database
 * would. The cluster lives in the folder its socket is in (helpers/postgres.ts).
 * `immediate` stops as a crash does: every backend exits at once, no transaction
 * finishes (a fast stop lets one that was waiting for a lock commit as the others go).
 */
export async function pgCtl(postgres: Postgres, action: 'stop' | 'start', mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  const dir = decodeURIComponent(new URL(postgres.url).hostname);
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((x, y) => Number(y) - Number(x))[0];
  if (version === undefined) throw new Error('pg_ctl is not installed');
  const tool = join(root, version, 'bin', 'pg_ctl');
  const args = [action, '-D', join(dir, 'data'), '-w', ...(action === 'stop' ? ['-m', mode] : ['-l', join(dir, 'log')])];
  // PostgreSQL refuses to run as root: the cluster belongs to the postgres user then.
  if (userInfo().uid === 0) await run('runuser', ['-u', 'postgres', '--', tool, ...args]);
  else await run(tool, args);
}
