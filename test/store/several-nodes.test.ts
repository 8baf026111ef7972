import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLetterbox, toConfig, type Letterbox } from '../../server/index.js';
import { createSandbox } from '../../server/sandbox.js';
import { sendSmtp, startInboxSandbox } from '../helpers/inbox-sandbox.js';
import { startNode } from '../helpers/letterbox-node.js';
import { hasPostgres } from '../helpers/postgres.js';
import { usePostgres } from '../helpers/use-postgres.js';
import { loggedIn } from '../imap/imap-client.js';
import { Pop3Dialogue } from '../pop3/pop3-dialogue.js';
import { until } from './postgres/cluster-picture.js';

/** A webhook receiver on 127.0.0.1:0 that keeps each call's body. */
async function webhookReceiver() {
  const bodies: string[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200).end();
      for (const w of waiting.filter((w) => bodies.length >= w.count)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    subjects: () => bodies.map((b) => (JSON.parse(b) as { Subject: string }).Subject),
    calledTimes: (count: number) => (bodies.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ count, resolve }))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.runIf(hasPostgres())('several nodes on one database', () => {
  const cluster = usePostgres();
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let a: Letterbox;
  let b: Letterbox;

  beforeAll(async () => {
    const postgres = cluster();
    hook = await webhookReceiver();
    // Two nodes in one process, as two processes would be: each its own listeners, the one database.
    a = await startLetterbox({ database: postgres.url, webhookUrl: hook.url, label: 'A' });
    b = await startLetterbox({ database: postgres.url, webhookUrl: hook.url, label: 'B' });
  }, 60_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await hook?.close();
  });

  it('a message sent to node A is listed and read, byte for byte, on node B', async () => {
    await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: 'bob@blue.example', subject: 'across nodes', text: 'from A to B' });
    const onB = await b.client.waitForMessage({ query: 'subject:"across nodes"' });
    const onA = await a.client.waitForMessage({ query: 'subject:"across nodes"' });
    expect(onB.ID).toBe(onA.ID);
    expect(Buffer.from(await b.client.raw(onB.ID))).toEqual(Buffer.from(await a.client.raw(onA.ID)));
    expect(new TextDecoder().decode(await b.client.raw(onB.ID))).toContain('from A to B');
  });

  it("node B's WebSocket clients hear of a message node A accepted", async () => {
    const socket = new WebSocket(`${b.url}api/events`);
    const heard = new Promise<{ Type: string; Data: { Subject?: string } }>((resolve, reject) => {
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { Type: string; Data: { Subject?: string } };
        // The earlier test's message may still be announced (its event waits for nothing of this test's).
        if (frame.Type === 'new' && frame.Data.Subject === 'live on B') resolve(frame);
      });
      socket.once('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: 'bob@blue.example', subject: 'live on B', text: 'event' });
    expect((await heard).Data.Subject).toBe('live on B');
    socket.close();
  }, 10_000);

  it('an IMAP client idling on node B sees EXISTS for a message node A accepted', async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port: b.addresses.imap?.port ?? 0, secure: false, auth: { user: 'carol@blue.example', pass: 'any' }, logger: false });
    await client.connect();
    try {
      const mailbox = await client.mailboxOpen('INBOX');
      const before = mailbox.exists;
      const exists = new Promise<number>((resolve) => client.on('exists', (event: { count: number }) => resolve(event.count)));
      const idling = client.idle();
      await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: 'carol@blue.example', subject: 'idle on B', text: 'exists' });
      expect(await exists).toBe(before + 1);
      await client.noop();
      await idling;
    } finally {
      await client.logout();
    }
  });

  it("a POP3 session on node A holds the maildrop: node B's login is [IN-USE] until A quits", async () => {
    const onA = await Pop3Dialogue.open(a.addresses.pop3?.port ?? 0);
    expect(await onA.command('USER dave@blue.example')).toMatch(/^\+OK/);
    expect(await onA.command('PASS any')).toMatch(/^\+OK/);
    const onB = await Pop3Dialogue.open(b.addresses.pop3?.port ?? 0);
    expect(await onB.command('USER DAVE@blue.example')).toMatch(/^\+OK/);
    expect(await onB.command('PASS any')).toBe('-ERR [IN-USE] Maildrop is in use by another session');
    expect(await onA.command('QUIT')).toMatch(/^\+OK/);
    await onA.closed;
    // The lock goes with A's unlock; wait for the database to show it gone, then B gets in.
    // Letterbox's exclusive locks are the two-key advisory locks of its namespace (pg-advisory-locks.ts).
    const held = async () => (await cluster().sql("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND classid = 1279393793")).rows[0] as { n: number };
    while ((await held()).n > 0) await new Promise((resolve) => setImmediate(resolve));
    const again = await Pop3Dialogue.open(b.addresses.pop3?.port ?? 0);
    expect(await again.command('USER dave@blue.example')).toMatch(/^\+OK/);
    expect(await again.command('PASS any')).toMatch(/^\+OK Maildrop has/);
    expect(await again.command('QUIT')).toMatch(/^\+OK/);
    await onB.command('QUIT');
  });

  it('a webhook is called once per message for the whole cluster, by the node that accepted it', async () => {
    // Node A accepted three messages in the tests above.
    const before = 3;
    await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: 'erin@blue.example', subject: 'hook from A', text: 'once' });
    await b.client.waitForMessage({ query: 'subject:"hook from A"' });
    // B has heard of A's message; a message B accepts now is called after anything B queued before it (one queue, in order).
    await sendSmtp(b.smtp?.port, undefined, { from: 'alice@red.example', to: 'erin@blue.example', subject: 'hook from B', text: 'sentinel' });
    await hook.calledTimes(before + 2);
    await a.client.waitForMessage({ query: 'subject:"hook from B"' });
    // And A, having heard of B's, calls nothing more for it: a message of A's own comes next.
    await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: 'erin@blue.example', subject: 'hook from A again', text: 'sentinel' });
    await hook.calledTimes(before + 3);
    expect(hook.subjects().sort()).toEqual(['across nodes', 'hook from A', 'hook from A again', 'hook from B', 'idle on B', 'live on B']);
  });

  it('a body searched on node B finds a message node A accepted and indexed: wait, search and IMAP SEARCH BODY', async () => {
    // Body words only (no header holds them), a phrase across a line break, non-ASCII.
    const text = 'Zahlungserinnerung für\r\nRechnung 77 — bitte überweisen';
    // Asked on B before the message exists: the wait is answered once A's indexer has run.
    const waited = b.client.waitForMessage({ query: '"für rechnung 77"', timeout: 20_000 });
    await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: 'dora@blue.example', subject: 'reminder', text });
    const found = await waited;
    expect(found.Subject).toBe('reminder');
    const searched = await b.client.search({ query: '"FÜR RECHNUNG 77" überweisen' });
    expect(searched.messages.map((m) => m.ID)).toEqual([found.ID]);
    expect((await b.client.search({ query: '"für rechnung 78"' })).messages).toEqual([]);
    const client = new ImapFlow({ host: '127.0.0.1', port: b.addresses.imap?.port ?? 0, secure: false, auth: { user: 'dora@blue.example', pass: 'any' }, logger: false });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX');
      const uids = (await client.search({ body: 'Für Rechnung 77' }, { uid: true })) || [];
      expect(uids).toHaveLength(1);
      const fetched = await client.fetchOne(String(uids[0]), { envelope: true }, { uid: true });
      expect(fetched && fetched.envelope?.subject).toBe('reminder');
      expect(await client.search({ body: 'rechnung 78' }, { uid: true })).toEqual([]);
      expect(await client.search({ not: { body: 'überweisen' } }, { uid: true })).toEqual([]);
    } finally {
      await client.logout();
    }
  });

  it('an expunge on node A has one mod-sequence, the same on node B: HIGHESTMODSEQ and QRESYNC agree (RFC 7162 §3.2.5)', async () => {
    const user = 'fay@blue.example';
    for (const n of [1, 2, 3]) await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: user, subject: `expunge ${n}`, text: 'x' });
    const onA = await loggedIn(a.addresses.imap?.port ?? 0, user, 'any');
    const onB = await loggedIn(b.addresses.imap?.port ?? 0, user, 'any');
    try {
      for (const c of [onA, onB]) expect(await c.command('E', 'ENABLE QRESYNC')).toContain('E OK ENABLE completed');
      const selected = await onA.command('S1', 'SELECT INBOX');
      expect(selected).toContain('* 3 EXISTS');
      const uidValidity = Number(/UIDVALIDITY (\d+)/.exec(selected.join(' '))?.[1]);
      const before = highestModseq(selected);
      await onA.command('F', 'UID STORE 2 +FLAGS.SILENT (\\Deleted)');
      const expunged = await onA.command('X', 'EXPUNGE');
      expect(expunged).toContain('* VANISHED 2');
      const after = highestModseq(expunged);
      expect(after).toBeGreaterThan(before);
      await until(b.store, () => b.store.modseq >= after && b.store.folderEntry(user, 'INBOX', 2) === undefined);
      const resynced = await onB.command('S2', `SELECT INBOX (QRESYNC (${uidValidity} ${before}))`);
      expect(resynced).toContain('* VANISHED (EARLIER) 2');
      expect(highestModseq(resynced)).toBe(after);
      // Nothing newer than the expunge on either node: a client that knows `after` is told of nothing.
      expect((await onA.command('S3', `SELECT INBOX (QRESYNC (${uidValidity} ${after}))`)).filter((l) => l.startsWith('* VANISHED'))).toEqual([]);
      expect(a.store.modseq).toBe(b.store.modseq);
    } finally {
      onA.close();
      onB.close();
    }
  });

  it('an IMAP client sees one UIDVALIDITY for a new login, whichever node it reads, even when two nodes open it at once', async () => {
    // A third node whose clock runs a day ahead: folders each node made for itself could not agree by chance.
    const ahead = await createSandbox(toConfig({ database: cluster().url, smtp: false, http: false, pop3: false, label: 'C' }), {
      clock: () => new Date(Date.now() + 86_400_000),
    });
    const user = 'ivy@blue.example';
    try {
      const imap = (await ahead.start()).find((l) => l.name === 'imap')?.port ?? 0;
      const [onB, onC] = await Promise.all([loggedIn(b.addresses.imap?.port ?? 0, user, 'any'), loggedIn(imap, user, 'any')]);
      try {
        const [fromB, fromC] = await Promise.all([onB.command('S', 'SELECT INBOX'), onC.command('S', 'SELECT INBOX')]);
        const uidValidity = (lines: readonly string[]) => /UIDVALIDITY (\d+)/.exec(lines.join(' '))?.[1];
        expect(uidValidity(fromB)).toMatch(/^\d+$/);
        expect(uidValidity(fromC)).toBe(uidValidity(fromB));
        expect(ahead.store.listFolders(user).map((f) => [f.name, f.uidValidity])).toEqual(b.store.listFolders(user).map((f) => [f.name, f.uidValidity]));
      } finally {
        onB.close();
        onC.close();
      }
    } finally {
      await ahead.stop();
    }
  });

  it('forgets on both nodes an address mail left, while one an IMAP client opened on node B keeps its UIDVALIDITY and UIDs', async () => {
    const [ivy, jack] = ['ivy@blue.example', 'jack@blue.example'];
    const onB = await loggedIn(b.addresses.imap?.port ?? 0, ivy, 'any');
    try {
      const validity = async () => /UIDVALIDITY (\d+)/.exec((await onB.command('S', 'SELECT INBOX')).join(' '))?.[1];
      const before = await validity();
      await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: [ivy, jack], subject: 'forgotten soon', text: 'x' });
      const sent = await b.client.waitForMessage({ query: 'subject:"forgotten soon"' });
      const deleted = await fetch(`http://127.0.0.1:${a.addresses.http?.port}/api/v1/messages`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ IDs: [sent.ID] }) });
      expect(deleted.status).toBe(200);
      await Promise.all([a, b].map((node) => until(node.store, () => !node.store.hasFolders(jack))));
      expect([a.store.hasFolders(ivy), b.store.hasFolders(ivy)]).toEqual([true, true]);
      await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: ivy, subject: 'kept on', text: 'y' });
      await b.client.waitForMessage({ query: 'subject:"kept on"' });
      expect(await validity()).toBe(before);
      expect(await onB.command('U', 'UID SEARCH ALL')).toContain('* SEARCH 2');
    } finally {
      onB.close();
    }
  });

  it('closes a login when its last session on any node logs out: one on node A does not while node B holds it', async () => {
    const pia = 'pia@blue.example';
    const [onA, onB] = [await loggedIn(a.addresses.imap?.port ?? 0, pia, 'any'), await loggedIn(b.addresses.imap?.port ?? 0, pia, 'any')];
    try {
      await onA.command('L', 'LOGOUT');
      await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: pia, subject: 'while B holds', text: 'x' });
      const sent = await a.client.waitForMessage({ query: 'subject:"while B holds"' });
      await b.client.waitForMessage({ query: 'subject:"while B holds"' });
      const deleted = await fetch(`http://127.0.0.1:${a.addresses.http?.port}/api/v1/messages`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ IDs: [sent.ID] }) });
      expect(deleted.status).toBe(200);
      await until(b.store, () => b.store.get(sent.ID) === undefined);
      expect([a.store.hasFolders(pia), b.store.hasFolders(pia)]).toEqual([true, true]);
      await onB.command('L', 'LOGOUT');
      await Promise.all([a, b].map((node) => until(node.store, () => !node.store.hasFolders(pia))));
    } finally {
      onA.close();
      onB.close();
    }
  });

  it("closes, when a node starts, the logins a killed node's IMAP sessions left opened", async () => {
    const postgres = cluster();
    const quinn = 'quinn@blue.example';
    const doomed = await startNode(postgres.url);
    const client = await loggedIn(doomed.imap, quinn, 'any');
    try {
      // Opened: the mark is in the log, so node A has the folders too.
      await until(a.store, () => a.store.hasFolders(quinn));
      await doomed.kill();
    } finally {
      client.close();
    }
    // The database lets the dead node's hold go once its backend sees the connection gone.
    const shared = async () => (await postgres.sql("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock'")).rows[0].n as number;
    while ((await shared()) > 0) await new Promise((resolve) => setImmediate(resolve));
    expect(a.store.hasFolders(quinn)).toBe(true);
    const c = await startLetterbox({ database: postgres.url, label: 'C' });
    try {
      await Promise.all([a, b, c].map((node) => until(node.store, () => !node.store.hasFolders(quinn))));
    } finally {
      await c.stop();
    }
  });

  it('an IMAP session on a node that rebuilt its index is told of every expunge, from before the rebuild and after, at the cluster\'s HIGHESTMODSEQ', async () => {
    const user = 'gus@blue.example';
    for (const n of [1, 2, 3]) await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: user, subject: `rebuilt ${n}`, text: 'x' });
    const onA = await loggedIn(a.addresses.imap?.port ?? 0, user, 'any');
    const onB = await loggedIn(b.addresses.imap?.port ?? 0, user, 'any');
    const late = await loggedIn(b.addresses.imap?.port ?? 0, user, 'any');
    try {
      for (const c of [onA, onB, late]) expect(await c.command('E', 'ENABLE QRESYNC')).toContain('E OK ENABLE completed');
      // Node B's session selects before the rebuild and stays selected through it.
      const selected = await onB.command('S1', 'SELECT INBOX');
      expect(selected).toContain('* 3 EXISTS');
      const uidValidity = Number(/UIDVALIDITY (\d+)/.exec(selected.join(' '))?.[1]);
      const before = highestModseq(selected);
      await onA.command('S2', 'SELECT INBOX');
      await onA.command('F1', 'UID STORE 2 +FLAGS.SILENT (\\Deleted)');
      await onA.command('X1', 'EXPUNGE');
      await until(b.store, () => b.store.folderEntry(user, 'INBOX', 2) === undefined);
      // A write node B cannot commit: it throws its index away and reads it anew from the log.
      await cluster().sql('ALTER TABLE letterbox_log ADD CONSTRAINT frozen CHECK (false) NOT VALID');
      try {
        expect((await onB.command('F2', 'UID STORE 1 +FLAGS.SILENT (\\Seen)')).at(-1)).toMatch(/^F2 NO \[UNAVAILABLE\]/);
      } finally {
        await cluster().sql('ALTER TABLE letterbox_log DROP CONSTRAINT frozen');
      }
      await onA.command('F3', 'UID STORE 3 +FLAGS.SILENT (\\Deleted)');
      const after = highestModseq(await onA.command('X2', 'EXPUNGE'));
      await until(b.store, () => b.store.modseq >= after && b.store.folderEntry(user, 'INBOX', 3) === undefined);
      const changed = await onB.command('C', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${before} VANISHED)`);
      expect(changed).toContain('* VANISHED (EARLIER) 2:3');
      const resynced = await late.command('S3', `SELECT INBOX (QRESYNC (${uidValidity} ${before}))`);
      expect(resynced).toContain('* VANISHED (EARLIER) 2:3');
      expect(highestModseq(resynced)).toBe(after);
    } finally {
      onA.close();
      onB.close();
      late.close();
    }
  });
});

function highestModseq(lines: readonly string[]): number {
  return Number(/HIGHESTMODSEQ (\d+)/.exec(lines.find((l) => l.includes('HIGHESTMODSEQ')) ?? '')?.[1]);
}

describe.runIf(hasPostgres())('several nodes with team inboxes on one database', () => {
  const cluster = usePostgres();

  it("each inbox is one store for every node: mail an inbox took on node A is that inbox's on node B, and no other's", async () => {
    const file = {
      inboxes: { shop: { smtp: ['shop-app:shop-secret'] }, billing: { smtp: ['billing-app:billing-secret'] } },
      users: { ops: { password: 'ops-pw', inboxes: ['*'] } },
    };
    const a = await startInboxSandbox(file, { database: cluster().url });
    const b = await startInboxSandbox(file, { database: cluster().url });
    try {
      await sendSmtp(a.port('smtp'), { user: 'shop-app', pass: 'shop-secret' }, { from: 'app@shop.example', to: 'bob@blue.example', subject: 'order 42', text: 'shop mail' });
      const auth = { authorization: 'Basic ' + Buffer.from('ops:ops-pw').toString('base64') };
      const base = `http://127.0.0.1:${b.port('http')}/`;
      const waited = await fetch(`${base}inbox/shop/api/v1/wait?query=${encodeURIComponent('subject:"order 42"')}&timeout=10s`, { headers: auth });
      expect(waited.status).toBe(200);
      const listed = (await (await fetch(`${base}inbox/shop/api/v1/messages`, { headers: auth })).json()) as { messages: Array<{ ID: string; Subject: string }> };
      expect(listed.messages.map((m) => m.Subject)).toEqual(['order 42']);
      const id = listed.messages[0]?.ID ?? '';
      expect(await (await fetch(`${base}inbox/shop/api/v1/message/${id}/raw`, { headers: auth })).text()).toContain('shop mail');
      // Node B's probe asks the database, through the inboxes' front as without inboxes.
      expect(await (await fetch(`${base}readyz`)).text()).toBe('ok');
      const billing = (await (await fetch(`${base}inbox/billing/api/v1/messages`, { headers: auth })).json()) as { messages: unknown[] };
      expect(billing.messages).toEqual([]);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 60_000);

  it('serves eighty inboxes on each of two nodes with one connection listening per node, under a server that allows sixty', async () => {
    const inboxes = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`team-${i}`, { smtp: [`app-${i}:secret-${i}`] }]));
    const file = { inboxes, users: { ops: { password: 'ops-pw', inboxes: ['*'] } } };
    const a = await startInboxSandbox(file, { database: cluster().url });
    const b = await startInboxSandbox(file, { database: cluster().url });
    try {
      const listening = await cluster().sql("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN %'");
      expect(listening.rows[0]?.n).toBe(2);
      // Heard on node B through its one listener: the last inbox's mail from node A.
      await sendSmtp(a.port('smtp'), { user: 'app-79', pass: 'secret-79' }, { from: 'app@team.example', to: 'bob@blue.example', subject: 'to the last team', text: 'x' });
      const auth = { authorization: 'Basic ' + Buffer.from('ops:ops-pw').toString('base64') };
      const waited = await fetch(`http://127.0.0.1:${b.port('http')}/inbox/team-79/api/v1/wait?query=${encodeURIComponent('subject:"to the last team"')}&timeout=10s`, { headers: auth });
      expect(waited.status).toBe(200);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 120_000);
});
