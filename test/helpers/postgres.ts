import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Debian's server binaries live outside PATH, one folder per major version. */
function serverBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/**
 * Whether PostgreSQL tests run: skipped visibly without Debian's `postgresql` package, a
 * failure under CI=true (.ci/run installs it), as hasTool does for other system tools.
 */
export function hasPostgres(): boolean {
  if (serverBin()) return true;
  if (process.env.CI === 'true') throw new Error('PostgreSQL is required under CI=true but is not installed (see .ci/run)');
  console.warn('skipping tests that need PostgreSQL: Debian\'s postgresql package is not installed');
  return false;
}

export interface Postgres {
  /** A connection string for the test database, over the cluster's unix socket. */
  url: string;
  /** Runs SQL as the superuser on the test database (to break things on purpose). */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** A connection of its own to the test database, as the superuser; end() it after. */
  connect(): Promise<pg.Client>;
  /** Makes another empty database on the same cluster; returns its connection string. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A private PostgreSQL cluster in a temporary folder, listening on a unix socket there
 * only (no TCP port to pick or collide on). PostgreSQL refuses to run as root, so under
 * root the folder belongs to the `postgres` user and the tools run as it. fsync stays
 * on: durability is part of what the tests check. Call stop() after (it removes it all).
 */
export async function startPostgres(): Promise<Postgres> {
  const bin = serverBin();
  if (!bin) throw new Error('PostgreSQL is not installed');
  const asRoot = userInfo().uid === 0;
  const as = async (tool: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    return run(file, argv, { encoding: 'utf8' });
  };
  const dir = await mkdtemp(join(tmpdir(), 'letterbox-pg-'));
  const data = join(dir, 'data');
  let started = false;
  const stop = async () => {
    if (started) await as('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
    started = false;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (asRoot) await chown(dir, ...(await postgresIds()));
    await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-instructions', '-E', 'UTF8', '--locale=C']);
    await writeFile(
      join(data, 'postgresql.auto.conf'),
      ["listen_addresses = ''", `unix_socket_directories = '${dir}'`, 'shared_buffers = 16MB', 'max_connections = 60', 'fsync = on', ''].join('\n'),
    );
    if (asRoot) await chown(join(data, 'postgresql.auto.conf'), ...(await postgresIds()));
    await as('pg_ctl', ['start', '-D', data, '-l', join(dir, 'log'), '-w', '-t', '60']);
    started = true;
    const admin = (database: string) => `postgresql://postgres@${encodeURIComponent(dir)}/${database}`;
    let databases = 0;
    const createDatabase = async () => {
      const name = `letterbox_${++databases}`;
      const client = new pg.Client({ connectionString: admin('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return admin(name);
    };
    const url = await createDatabase();
    const connect = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    };
    return {
      url,
      createDatabase,
      connect,
      async sql(text, values) {
        const client = await connect();
        try {
          return await client.query(text, values);
        } finally {
          await client.end();
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function postgresIds(): Promise<[number, number]> {
  const { stdout: uid } = await run('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const { stdout: gid } = await run('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return [Number(uid.trim()), Number(gid.trim())];
}
