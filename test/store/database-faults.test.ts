import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLetterbox, type Letterbox } from '../../server/index.js';
import { startCli } from '../helpers/cli-process.js';
import { sendSmtp } from '../helpers/inbox-sandbox.js';
import { hasPostgres } from '../helpers/postgres.js';
import { pgCtl, usePostgres } from '../helpers/use-postgres.js';
import { Pop3Dialogue } from '../pop3/pop3-dialogue.js';
import { ImapLineClient } from '../imap/imap-client.js';

const SECRET = 'n0t-Sh0wn-pw';

/** A port nothing listens on: bound, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a database that cannot be reached at start', () => {
  it('is one line on stderr naming host and port, never the password, and exit 2', async () => {
    const port = await closedPort();
    const failing = startCli(['--database', `postgres://letterbox:${SECRET}@127.0.0.1:${port}/mail`, '--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--pop3', 'off', '--imap', 'off'], ['smtp']);
    const error = await failing.then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(error).toMatch(new RegExp(`exited \\(2\\) before listening: letterbox: cannot use the database at 127\\.0\\.0\\.1:${port}: connection refused\\n$`));
    expect(error).not.toContain(SECRET);
  }, 30_000);

  it('an unknown host is said so, through startLetterbox too', async () => {
    const failure = await startLetterbox({ database: `postgresql://u:${SECRET}@no-such-host.invalid:6543/mail` }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(failure?.message).toBe('cannot use the database at no-such-host.invalid:6543: unknown host');
  }, 30_000);
});

describe.runIf(hasPostgres())('a database that refuses the password', () => {
  const cluster = usePostgres();

  it('is one line naming the socket and port, with the server\'s reason and never the password, and exit 2', async () => {
    const postgres = cluster();
    const dir = decodeURIComponent(new URL(postgres.url).hostname);
    // This role must give a password (pg_hba.conf is read top down); everyone else stays trusted.
    await postgres.sql("CREATE ROLE lbuser LOGIN PASSWORD 'the-right-one'");
    const hba = join(dir, 'data', 'pg_hba.conf');
    await writeFile(hba, `local all lbuser scram-sha-256\n${await readFile(hba, 'utf8')}`);
    await postgres.sql('SELECT pg_reload_conf()');
    const url = `postgresql://lbuser:${SECRET}@${encodeURIComponent(dir)}/${new URL(postgres.url).pathname.slice(1)}`;
    const error = await startCli(['--database', url, '--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--pop3', 'off', '--imap', 'off'], ['smtp']).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(error).toContain(`exited (2) before listening: letterbox: cannot use the database at ${dir}:5432: password authentication failed for user "lbuser"\n`);
    expect(error).not.toContain(SECRET);
  }, 30_000);
});

describe.runIf(hasPostgres())('when PostgreSQL goes away while running', () => {
  const cluster = usePostgres();
  let node: Letterbox;

  beforeAll(async () => {
    // A body cache too small for any body: every read of bytes goes to the database.
    node = await startLetterbox({ database: cluster().url, cacheSize: 1 });
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
  });

  it('SMTP answers 451 4.3.0, the API 503, IMAP APPEND NO [UNAVAILABLE], a POP3 login [SYS/TEMP] and /readyz not ready; all resumes by itself', async () => {
    await sendSmtp(node.smtp?.port, undefined, { from: 'a@red.example', to: 'b@blue.example', subject: 'before', text: 'kept' });
    const postgres = cluster();
    const kept = await node.client.waitForMessage({ query: 'subject:before' });
    const imap = new ImapFlow({ host: '127.0.0.1', port: node.addresses.imap?.port ?? 0, secure: false, auth: { user: 'b@blue.example', pass: 'any' }, logger: false });
    await imap.connect();
    await pgCtl(postgres, 'stop');
    try {
      const appended = await imap.append('INBOX', 'Subject: appended while gone\r\n\r\nx\r\n').then(
        () => undefined,
        (error: { serverResponseCode?: string }) => error,
      );
      expect(appended?.serverResponseCode).toBe('UNAVAILABLE');
      const pop3 = await Pop3Dialogue.open(node.addresses.pop3?.port ?? 0);
      expect(await pop3.command('USER b@blue.example')).toMatch(/^\+OK/);
      expect(await pop3.command('PASS any')).toBe('-ERR [SYS/TEMP] The maildrop cannot be locked now, try again later');
      await pop3.command('QUIT');
      const refused = await sendSmtp(node.smtp?.port, undefined, { from: 'a@red.example', to: 'b@blue.example', subject: 'while gone', text: 'refused' }).then(
        () => undefined,
        (error: { responseCode?: number; response?: string }) => error,
      );
      expect(refused?.responseCode).toBe(451);
      expect(refused?.response).toMatch(/^451 4\.3\.0 /);
      const send = await fetch(`${node.url}api/v1/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ From: { Email: 'a@red.example' }, To: [{ Email: 'b@blue.example' }], Subject: 'api while gone', Text: 'x' }),
      });
      expect(send.status).toBe(503);
      expect(((await send.json()) as { Error: string }).Error).toMatch(/try again/);
      const ready = await fetch(`${node.url}readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ Error: 'the store is unavailable' });
      const raw = await fetch(`${node.url}api/v1/message/${kept.ID}/raw`);
      expect(raw.status).toBe(503);
      expect(raw.headers.get('retry-after')).toBe('1');
      expect(((await raw.json()) as { Error: string }).Error).toMatch(/unavailable/);
      // The index is the node's own: listing still answers, from memory.
      expect((await fetch(`${node.url}api/v1/messages`)).status).toBe(200);
      expect((await fetch(`${node.url}livez`)).status).toBe(200);
    } finally {
      await pgCtl(postgres, 'start');
      await imap.logout().catch(() => undefined);
    }
    // Back: ready again (the pool reconnects on its own), and mail is taken without a restart.
    while ((await fetch(`${node.url}readyz`)).status !== 200) await new Promise((resolve) => setImmediate(resolve));
    await sendSmtp(node.smtp?.port, undefined, { from: 'a@red.example', to: 'b@blue.example', subject: 'after', text: 'taken' });
    const after = await node.client.waitForMessage({ query: 'subject:after' });
    expect(new TextDecoder().decode(await node.client.raw(after.ID))).toContain('taken');
    expect(new TextDecoder().decode(await node.client.raw(kept.ID))).toContain('kept');
    const rows = await postgres.sql('SELECT count(*)::int AS n FROM letterbox_bodies');
    expect((rows.rows[0] as { n: number }).n).toBe(2);
  }, 60_000);

  /** Holds the next commit on a table lock until the writer's backend is let go; resolves with its pid. */
  async function holdNextCommit(postgres: ReturnType<typeof cluster>) {
    const holder = await postgres.connect();
    await holder.query('BEGIN; LOCK TABLE letterbox_bodies IN ACCESS EXCLUSIVE MODE');
    const writer = async () => (await postgres.sql("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO letterbox_bodies%'")).rows[0]?.pid as number | undefined;
    return {
      holder,
      /** Resolves once the write is applied to the node's index and waits in its commit. */
      async waiting(): Promise<number> {
        let pid: number | undefined;
        while ((pid = await writer()) === undefined) await new Promise((resolve) => setImmediate(resolve));
        return pid;
      },
    };
  }

  /** Delivers a message to `user` (subject `subject`), and signs an IMAP session in as that user. */
  async function oneMessageAndSignedIn(user: string, subject: string): Promise<ImapLineClient> {
    await sendSmtp(node.smtp?.port, undefined, { from: 'a@red.example', to: user, subject, text: 'kept' });
    await node.client.waitForMessage({ query: `subject:${subject}` });
    const session = await ImapLineClient.open(node.addresses.imap?.port ?? 0);
    await session.line();
    await session.command('L', `LOGIN ${user} any`);
    return session;
  }

  const smtpCode = (sent: Promise<unknown>) =>
    sent.then(
      () => 'accepted',
      (error: { responseCode?: number }) => error.responseCode,
    );

  it('a write whose commit fails is never read: IMAP, POP3 and the API wait for the commit, and its UID is never told', async () => {
    const postgres = cluster();
    const user = 'uid@blue.example';
    const session = await oneMessageAndSignedIn(user, 'first');
    expect(await session.command('S1', 'SELECT INBOX')).toContain('* 1 EXISTS');
    const pop3 = await Pop3Dialogue.open(node.addresses.pop3?.port ?? 0);
    expect(await pop3.command(`USER ${user}`)).toMatch(/^\+OK/);
    // The next write is applied to the node's index, then held in its commit, whose connection is then lost.
    const held = await holdNextCommit(postgres);
    const refused = smtpCode(sendSmtp(node.smtp?.port, undefined, { from: 'a@red.example', to: user, subject: 'cut off', text: 'never acknowledged' }));
    const pid = await held.waiting();
    // Read while the index holds it: each read waits for the commit.
    const selected = session.command('S2', 'SELECT INBOX');
    const signedIn = pop3.command('PASS any');
    const listed = fetch(`${node.url}api/v1/search?query=${encodeURIComponent('subject:"cut off"')}`).then(async (r) => [r.status, ((await r.json()) as { messages_count: number }).messages_count]);
    await postgres.sql('SELECT pg_terminate_backend($1)', [pid]);
    await held.holder.query('COMMIT');
    await held.holder.end();
    expect(await refused).toBe(451);
    const selection = (await selected).join('\n');
    expect(selection).toContain('* 1 EXISTS');
    expect(selection).toContain('[UIDNEXT 2]');
    expect(await signedIn).toMatch(/^\+OK/);
    expect(await pop3.command('STAT')).toMatch(/^\+OK 1 /);
    await pop3.command('QUIT');
    expect(await listed).toEqual([200, 0]);
    // The UID no client was told is the next message's.
    await sendSmtp(node.smtp?.port, undefined, { from: 'a@red.example', to: user, subject: 'second', text: 'taken' });
    await node.client.waitForMessage({ query: 'subject:second' });
    const told = (await session.command('N', 'NOOP')).join('\n');
    const fetched = (await session.command('F', 'FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])')).join('\n');
    session.close();
    expect((await node.client.search('subject:"cut off"')).messages_count).toBe(0);
    expect(told).toContain('* 2 EXISTS');
    expect(told).not.toContain('EXPUNGE');
    expect(fetched).toMatch(/\* 2 FETCH \(UID 2 BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r?\nSubject: second/);
    expect(fetched).not.toContain('cut off');
  }, 60_000);

  it('while a write whose commit failed cannot be taken back (the database gone), reads are refused, then resume by themselves', async () => {
    const postgres = cluster();
    const user = 'gone@blue.example';
    const session = await oneMessageAndSignedIn(user, 'one');
    const held = await holdNextCommit(postgres);
    const refused = smtpCode(sendSmtp(node.smtp?.port, undefined, { from: 'a@red.example', to: user, subject: 'lost', text: 'never acknowledged' }));
    await held.waiting();
    held.holder.on('error', () => undefined);
    await pgCtl(postgres, 'stop', 'immediate');
    try {
      expect(await refused).toBe(451);
      const list = await fetch(`${node.url}api/v1/messages`);
      expect(list.status).toBe(503);
      expect(((await list.json()) as { Error: string }).Error).toMatch(/unavailable/);
      expect((await session.command('S', 'SELECT INBOX')).at(-1)).toBe('S NO [UNAVAILABLE] The mail store is unavailable, try again later');
      expect((await fetch(`${node.url}livez`)).status).toBe(200);
    } finally {
      await held.holder.end().catch(() => undefined);
      await pgCtl(postgres, 'start');
    }
    // Back: the node reads its index again from the log on its own, without the lost write.
    let status = 0;
    while ((status = (await fetch(`${node.url}api/v1/messages`)).status) === 503) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(status).toBe(200);
    const selection = (await session.command('S2', 'SELECT INBOX')).join('\n');
    session.close();
    expect(selection).toContain('* 1 EXISTS');
    expect((await node.client.search('subject:lost')).messages_count).toBe(0);
  }, 60_000);
});
