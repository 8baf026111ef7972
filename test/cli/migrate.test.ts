import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateCommand, readJournal } from '../../server/cli/migrate.js';
import { startLetterbox } from '../../server/index.js';
import { silentLogger } from '../../server/lib/log.js';
import { makeDurable } from '../../server/store/journal/durable-store.js';
import { MemoryStore } from '../../server/store/memory-store.js';
import { sendSmtp, startInboxSandbox } from '../helpers/inbox-sandbox.js';
import { hasPostgres } from '../helpers/postgres.js';
import { usePostgres } from '../helpers/use-postgres.js';
import { startSink, type SmtpSink } from '../relay/smtp-sink.js';

/** `letterbox migrate …` in this process, with what it printed. */
async function migrate(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await migrateCommand(argv, { stdin: new PassThrough(), stdout, stderr, env: {} });
  return { code, stdout: out, stderr: err };
}

const BOB = 'bob@blue.example';

/**
 * A --data-dir folder whose journal holds five messages to bob, the third one's record
 * damaged (a flipped byte), and a compaction's leftover beside it; returns the ids of the
 * four others.
 */
async function damagedDataDir(dataDir: string): Promise<string[]> {
  const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
  const durable = await makeDurable(store, dataDir, silentLogger);
  for (let n = 0; n < 5; n++) {
    await store.deliver({ raw: Buffer.from(`From: alice@red.example\r\nTo: ${BOB}\r\nSubject: message ${n}\r\n\r\nbody ${n}\r\n`), envelope: { mailFrom: 'alice@red.example', rcptTo: [BOB] } });
  }
  await store.flushed();
  const ids = store.messages().map((m) => m.id);
  await durable.close();
  const path = join(dataDir, 'journal.lbx');
  const data = await readFile(path);
  let third = -1;
  for (let offset = 0, msgs = 0; offset < data.length; offset += 8 + data.readUInt32BE(offset)) {
    const json = JSON.parse(data.subarray(offset + 12, offset + 12 + data.readUInt32BE(offset + 8)).toString()) as { t: string };
    if (json.t === 'msg' && msgs++ === 2) third = offset;
  }
  data.writeUInt8(data.readUInt8(third + 8 + 20) ^ 0xff, third + 8 + 20);
  await writeFile(path, data);
  await writeFile(join(dataDir, 'journal.lbx.new'), 'half a compaction');
  return ids.filter((_, n) => n !== 2);
}

/** Every file under a folder with its bytes, to tell that nothing changed. */
async function contents(folder: string): Promise<Record<string, string>> {
  const names = (await readdir(folder, { recursive: true })).sort();
  const files: Record<string, string> = {};
  for (const name of names) files[name] = await readFile(join(folder, name)).then((b) => b.toString('base64'), () => '(folder)');
  return files;
}

describe('letterbox migrate: arguments', () => {
  it('needs both places, and refuses a URL that is not postgres:// without showing its password', async () => {
    expect((await migrate(['--database', 'postgres://u:pw@db.example/mail'])).stderr).toMatch(/--data-dir is required/);
    const bad = await migrate(['--data-dir', '/tmp', '--database', 'mysql://u:s3cr3t@db.example/mail']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/expected a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(bad.stderr).not.toContain('s3cr3t');
    // A folder name with a control character is refused as the server's --data-dir is, not echoed.
    const cr = await migrate(['--data-dir', 'mail\rdir', '--database', 'postgres://u@db.example/mail']);
    expect(cr.code).toBe(64);
    expect(cr.stderr).toMatch(/--data-dir: a control character \(U\+000D\)/);
    expect(cr.stderr).not.toContain('\r');
  });

  it('leaves a damaged list of API-made inboxes where it is, and says so', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'letterbox-migrate-'));
    await mkdir(join(dataDir, 'inboxes', 'shop'), { recursive: true });
    await writeFile(join(dataDir, 'inboxes', 'shop', 'journal.lbx'), '');
    const damaged = '[{"name":"review-1"';
    await writeFile(join(dataDir, 'inboxes', 'dynamic.json'), damaged);
    // Nothing listens on port 1: the command gets as far as the database, and stops there.
    const result = await migrate(['--data-dir', dataDir, '--database', 'postgres://u@127.0.0.1:1/mail']);
    expect(result.stderr).toMatch(/dynamic\.json is damaged \(.+\); the inboxes made through the API are not moved/);
    expect(result.code).toBe(69);
    expect(await readdir(join(dataDir, 'inboxes'))).toEqual(['dynamic.json', 'shop']);
    expect(await readFile(join(dataDir, 'inboxes', 'dynamic.json'), 'utf8')).toBe(damaged);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads a journal damaged in the middle past the damage, says what it skipped, and changes nothing in the folder', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'letterbox-migrate-'));
    try {
      const kept = await damagedDataDir(dataDir);
      const before = await contents(dataDir);
      expect(Object.keys(before)).toEqual(['journal.lbx', 'journal.lbx.new']);
      const said: string[] = [];
      const store = await readJournal(join(dataDir, 'journal.lbx'), (line) => said.push(line));
      expect(store.messages().map((m) => m.id)).toEqual(kept);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/journal\.lbx is damaged in the middle: 1 damaged frames \(\d+ bytes, at offset\+length \d+\+\d+\) were skipped\. The \d+ records read are moved; the file is left as it is/);
      expect(await contents(dataDir)).toEqual(before);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('says when the folder holds no journal', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'letterbox-migrate-'));
    const result = await migrate(['--data-dir', empty, '--database', 'postgres://u@db.example/mail']);
    expect(result.code).toBe(66);
    expect(result.stderr).toMatch(/no journal in/);
    await rm(empty, { recursive: true, force: true });
  });
});

describe.runIf(hasPostgres())('letterbox migrate: a journal into a database', () => {
  const cluster = usePostgres();
  let dataDir: string;
  let sink: SmtpSink;
  /** The messages' ids in the journal, by subject. */
  let idsBefore: Map<string, string>;
  const release = () => ({ releaseSmarthost: { host: '127.0.0.1', port: sink.port }, releaseAllowInsecure: true });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'letterbox-migrate-'));
    sink = await startSink({});
    // A sandbox that ran alone with --data-dir: mail, flags, tags, a folder of bob's own, a release.
    const alone = await startLetterbox({ dataDir, ...release() });
    for (const subject of ['first', 'second', 'third']) {
      await sendSmtp(alone.smtp?.port, undefined, { from: 'alice@red.example', to: BOB, subject, text: `body of ${subject}` });
    }
    const [first, second] = alone.store.messages();
    if (!first || !second) throw new Error('the mail did not arrive');
    await alone.store.setFlags([first.id], 'add', ['\\Seen', '\\Flagged']);
    await alone.store.setTags([second.id], ['invoice', 'urgent']);
    await alone.store.createFolder(BOB, 'Projects');
    const uid = alone.store.placementsOf(second).find((p) => p.login === BOB && p.folder === 'INBOX')?.uid ?? 0;
    await alone.store.moveToFolder(BOB, 'INBOX', [uid], 'Projects');
    await alone.store.subscribeFolder(BOB, 'Projects', true);
    const third = alone.store.messages()[2];
    idsBefore = new Map(alone.store.messages().map((m) => [m.summary.subject, m.id]));
    const released = await fetch(`http://127.0.0.1:${alone.addresses.http?.port}/api/v1/message/${third?.id}/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ To: ['carol@red.example'] }),
    });
    if (released.status !== 200) throw new Error(`release: ${released.status} ${await released.text()}`);
    await alone.stop();
  }, 60_000);

  afterAll(async () => {
    await sink?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('moves every message with its flags, tags and folders, prints counts, and refuses to do it twice', async () => {
    const postgres = cluster();
    const moved = await migrate(['--data-dir', dataDir, '--database', postgres.url]);
    expect(moved.stderr).toBe('');
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/^moved 3 messages \(.+\) and 1 folders of \d+ logins from .+ into the database\nmoved 1 releases of those messages, each with its attempts and transcripts\n$/);

    const node = await startLetterbox({ database: postgres.url, ...release() });
    try {
      const bySubject = new Map(node.store.messages().map((m) => [m.summary.subject, m]));
      expect([...bySubject.keys()]).toEqual(['first', 'second', 'third']);
      // Each keeps its id: links to it still work.
      expect(new Map([...bySubject].map(([subject, m]) => [subject, m.id]))).toEqual(idsBefore);
      expect([...(bySubject.get('first')?.flags ?? [])].sort()).toEqual(['\\Flagged', '\\Seen']);
      expect(bySubject.get('second')?.tags).toEqual(['invoice', 'urgent']);
      expect(bySubject.get('third')?.flags.size).toBe(0);
      const inFolder = (name: string) => node.store.folder(BOB, name)?.entries.map((e) => e.message.summary.subject);
      expect(inFolder('INBOX')).toEqual(['first', 'third']);
      expect(inFolder('Projects')).toEqual(['second']);
      expect(node.store.subscriptions(BOB).has('Projects')).toBe(true);
      const third = bySubject.get('third');
      expect(new TextDecoder().decode(await node.client.raw(third?.id ?? ''))).toContain('body of third');
      // Its release, as every node reads it.
      const releases = (await (await fetch(`http://127.0.0.1:${node.addresses.http?.port}/api/v1/message/${third?.id}/releases`)).json()) as {
        Releases: Array<{ Status: string; Recipients: Array<{ Address: string; Status: string }>; Transcript: string[] }>;
      };
      expect(releases.Releases.map((r) => [r.Status, r.Recipients.map((x) => [x.Address, x.Status])])).toEqual([['done', [['carol@red.example', 'delivered']]]]);
      expect(releases.Releases[0]?.Transcript).toContain('C: RCPT TO:<carol@red.example>');
    } finally {
      await node.stop();
    }

    const again = await migrate(['--data-dir', dataDir, '--database', postgres.url]);
    expect(again.code).toBe(73);
    expect(again.stderr).toMatch(/already holds 3 messages; nothing was moved \(add --append/);
    const appended = await migrate(['--data-dir', dataDir, '--database', postgres.url, '--append']);
    expect(appended.code).toBe(0);
    expect(appended.stdout).toMatch(/^moved 3 messages/);
    // The second copies have ids of their own: the first ones hold theirs.
    const ids = await postgres.sql("SELECT id FROM letterbox_bodies WHERE inbox = ''");
    expect(ids.rows.length).toBe(6);
    expect(new Set(ids.rows.map((r: { id: string }) => r.id)).size).toBe(6);
    for (const id of idsBefore.values()) expect(ids.rows.map((r: { id: string }) => r.id)).toContain(id);
    // Each copy of the third message has a release of its own.
    const releases = await postgres.sql('SELECT message_id, count(*)::int AS n FROM letterbox_releases GROUP BY message_id');
    expect(releases.rows.map((r: { n: number }) => r.n)).toEqual([1, 1]);
  }, 60_000);
});

describe.runIf(hasPostgres())('letterbox migrate: a damaged journal into a database', () => {
  const cluster = usePostgres();

  it('moves every message the damage left readable, says what it skipped, and leaves the folder byte-identical', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'letterbox-migrate-damaged-'));
    try {
      const kept = await damagedDataDir(dataDir);
      const before = await contents(dataDir);
      const postgres = cluster();
      const moved = await migrate(['--data-dir', dataDir, '--database', postgres.url]);
      expect(moved.code).toBe(0);
      expect(moved.stderr).toMatch(/^letterbox migrate: .*journal\.lbx is damaged in the middle: 1 damaged frames \(\d+ bytes, at offset\+length \d+\+\d+\) were skipped\. .* the file is left as it is\n$/);
      expect(moved.stdout).toMatch(/^moved 4 messages /);
      const ids = await postgres.sql("SELECT id FROM letterbox_bodies WHERE inbox = ''");
      expect(ids.rows.map((r: { id: string }) => r.id).sort()).toEqual([...kept].sort());
      expect(await contents(dataDir)).toEqual(before);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.runIf(hasPostgres())('letterbox migrate: team inboxes into a database', () => {
  const cluster = usePostgres();

  it("moves each inbox's mail into that inbox, and the inboxes made through the API with their SMTP credential", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'letterbox-migrate-inboxes-'));
    const file = {
      inboxes: { shop: { smtp: ['shop-app:shop-secret'] }, billing: { smtp: ['billing-app:billing-secret'] } },
      users: { ops: { password: 'ops-pw', inboxes: ['*'] } },
    };
    const alone = await startInboxSandbox(file, { dataDir });
    const created = alone.directory.create('review-7', undefined);
    if ('error' in created) throw new Error(created.text);
    try {
      expect(await created.kept).toBe(true);
      const review = { user: created.smtpUser, pass: created.smtpPassword };
      await sendSmtp(alone.port('smtp'), { user: 'shop-app', pass: 'shop-secret' }, { from: 'app@shop.example', to: BOB, subject: 'order 42', text: 'shop mail' });
      await sendSmtp(alone.port('smtp'), review, { from: 'ci@review.example', to: BOB, subject: 'preview ready', text: 'review mail' });
    } finally {
      await alone.stop();
    }

    const postgres = cluster();
    const moved = await migrate(['--data-dir', dataDir, '--database', postgres.url]);
    expect(moved.stderr).toBe('');
    expect(moved.code).toBe(0);
    const lines = moved.stdout.trim().split('\n');
    expect(lines.filter((l) => /^moved 1 messages .* into the database, inbox (shop|review-7)$/.test(l))).toHaveLength(2);
    expect(lines).toContain('kept 1 inboxes made through the API, with their SMTP credentials and expiry');
    const again = await migrate(['--data-dir', dataDir, '--database', postgres.url]);
    expect(again.code).toBe(73);
    expect(again.stderr).toMatch(/already holds 1 messages in inbox review-7; nothing was moved/);

    const node = await startInboxSandbox(file, { database: postgres.url });
    try {
      const auth = { authorization: 'Basic ' + Buffer.from('ops:ops-pw').toString('base64') };
      const subjects = async (inbox: string) => {
        const response = await fetch(`http://127.0.0.1:${node.port('http')}/inbox/${inbox}/api/v1/messages`, { headers: auth });
        expect(response.status).toBe(200);
        return ((await response.json()) as { messages: Array<{ Subject: string }> }).messages.map((m) => m.Subject);
      };
      expect(await subjects('shop')).toEqual(['order 42']);
      expect(await subjects('billing')).toEqual([]);
      expect(await subjects('review-7')).toEqual(['preview ready']);
      // The API inbox's SMTP credential, shown once when it was made, still works on the database.
      await sendSmtp(node.port('smtp'), { user: created.smtpUser, pass: created.smtpPassword }, { from: 'ci@review.example', to: BOB, subject: 'second preview', text: 'x' });
      expect(await subjects('review-7')).toEqual(['second preview', 'preview ready']);
    } finally {
      await node.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
