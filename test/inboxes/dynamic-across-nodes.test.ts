import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { ManagedInboxDirectory } from '../../server/inboxes/directory.js';
import type { DirectoryEvents } from '../../server/inboxes/types.js';
import { sendSmtp, startInboxSandbox, type InboxSandbox } from '../helpers/inbox-sandbox.js';
import { hasPostgres } from '../helpers/postgres.js';
import { usePostgres } from '../helpers/use-postgres.js';

const FILE = { inboxes: { shop: { smtp: ['shop-app:shop-secret'] } }, users: { ops: { password: 'ops-pw', inboxes: ['*'] } } };
const AUTH = { authorization: 'Basic ' + Buffer.from('ops:ops-pw').toString('base64') };

type Created = { Name: string; SMTP: { Username: string; Password: string } };

const base = (node: InboxSandbox) => `http://127.0.0.1:${node.port('http')}/`;

function createInbox(node: InboxSandbox, body: object): Promise<Response> {
  return fetch(`${base(node)}api/v1/inboxes`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Resolves when the directory has (or no longer has) the inbox: on its own event, no polling. */
function heard(directory: ManagedInboxDirectory, event: keyof DirectoryEvents, name: string): Promise<void> {
  const done = () => (event === 'added' ? directory.get(name) !== undefined : directory.get(name) === undefined);
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    const off = directory.on(event, () => {
      if (!done()) return;
      off();
      resolve();
    });
  });
}

async function subjects(node: InboxSandbox, inbox: string): Promise<string[]> {
  const response = await fetch(`${base(node)}inbox/${inbox}/api/v1/messages`, { headers: AUTH });
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: Array<{ Subject: string }> }).messages.map((m) => m.Subject);
}

describe.runIf(hasPostgres())('inboxes made through the API, with several nodes on one database', () => {
  const cluster = usePostgres();

  async function twoNodes(): Promise<{ a: InboxSandbox; b: InboxSandbox; url: string }> {
    const url = await cluster().createDatabase();
    const a = await startInboxSandbox(FILE, { database: url });
    const b = await startInboxSandbox(FILE, { database: url });
    return { a, b, url };
  }

  it('an inbox made on node A is on node B with the same SMTP credential; removed on B, it and its mail are gone on A too', async () => {
    const { a, b } = await twoNodes();
    try {
      const response = await createInbox(a, { Name: 'mr-1234', TTL: '24h' });
      expect(response.status).toBe(201);
      const made = (await response.json()) as Created;
      await heard(b.directory, 'added', 'mr-1234');
      expect(b.directory.get('mr-1234')?.expiresAt?.getTime()).toBe(a.directory.get('mr-1234')?.expiresAt?.getTime());
      // B takes mail with the credential A handed out; A reads it.
      await sendSmtp(b.port('smtp'), { user: made.SMTP.Username, pass: made.SMTP.Password }, { from: 'ci@red.example', to: 'x@blue.example', subject: 'job 1', text: 'built' });
      const waited = await fetch(`${base(a)}inbox/mr-1234/api/v1/wait?query=${encodeURIComponent('subject:"job 1"')}&timeout=10s`, { headers: AUTH });
      expect(waited.status).toBe(200);

      const removed = await fetch(`${base(b)}api/v1/inboxes/mr-1234`, { method: 'DELETE', headers: AUTH });
      expect(removed.status).toBe(200);
      await heard(a.directory, 'removed', 'mr-1234');
      expect((await fetch(`${base(a)}inbox/mr-1234/api/v1/messages`, { headers: AUTH })).status).toBe(404);
      // The name is free again, for the cluster; the new inbox starts empty on both nodes.
      expect((await createInbox(a, { Name: 'mr-1234' })).status).toBe(201);
      await heard(b.directory, 'added', 'mr-1234');
      await b.directory.get('mr-1234')?.store.flushed();
      expect(await subjects(a, 'mr-1234')).toEqual([]);
      expect(await subjects(b, 'mr-1234')).toEqual([]);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 60_000);

  it('two nodes making one name at once: one gets it, the other answers 409, and both then hold the winner', async () => {
    const { a, b } = await twoNodes();
    try {
      const answers = await Promise.all([createInbox(a, { Name: 'race' }), createInbox(b, { Name: 'race' })]);
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
      const winner = (await (answers.find((r) => r.status === 201) as Response).json()) as Created;
      await heard(a.directory, 'added', 'race');
      await heard(b.directory, 'added', 'race');
      for (const node of [a, b]) expect(await node.directory.smtpSignIn(winner.SMTP.Username, winner.SMTP.Password)).toBe(true);
      // A name from the inboxes file is never taken through the API, on any node.
      expect((await createInbox(b, { Name: 'shop' })).status).toBe(409);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 60_000);

  it('a TTL runs out on every node; the mail is emptied once, and a node started later does not bring the inbox back', async () => {
    const { a, b, url } = await twoNodes();
    let c: InboxSandbox | undefined;
    try {
      const made = (await (await createInbox(a, { Name: 'short', TTL: '2s' })).json()) as Created;
      await heard(b.directory, 'added', 'short');
      await sendSmtp(a.port('smtp'), { user: made.SMTP.Username, pass: made.SMTP.Password }, { from: 'ci@red.example', to: 'x@blue.example', subject: 'soon gone', text: 'x' });
      await Promise.all([heard(a.directory, 'removed', 'short'), heard(b.directory, 'removed', 'short')]);
      c = await startInboxSandbox(FILE, { database: url });
      expect(c.directory.get('short')).toBeUndefined();
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        // Each removal ends once every node has let go of the store: a second emptying would be a second record.
        await a.stop();
        await b.stop();
        // A log row holds one transaction's records, as a list.
        const cleared = await db.query(
          `SELECT count(*)::int AS n FROM letterbox_log, json_array_elements(CASE WHEN json_typeof(record) = 'array' THEN record ELSE json_build_array(record) END) AS r
           WHERE inbox = 'short' AND r->>'t' = 'clear'`,
        );
        expect(cleared.rows[0].n).toBe(1);
        expect((await db.query(`SELECT count(*)::int AS n FROM letterbox_bodies WHERE inbox = 'short'`)).rows[0].n).toBe(0);
        expect((await db.query('SELECT count(*)::int AS n FROM letterbox_inboxes')).rows[0].n).toBe(0);
      } finally {
        await db.end();
      }
    } finally {
      await a.stop();
      await b.stop();
      await c?.stop();
    }
  }, 60_000);

  it('a row of letterbox_inboxes this version would not make is left out, and the well-formed ones still open', async () => {
    const url = await cluster().createDatabase();
    const a = await startInboxSandbox(FILE, { database: url });
    let b: InboxSandbox | undefined;
    try {
      const made = (await (await createInbox(a, { Name: 'mr-good' })).json()) as Created;
      const hash = '$2a$04$' + 'a'.repeat(53);
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        for (const [name, user, stored] of [
          ['Bad/Name', 'Bad/Name.0123abcd', hash],
          ['mr-cr', 'mr-cr\r\n.0123abcd', hash],
          ['mr-plain', 'mr-plain.0123abcd', 'not-a-hash'],
          ['mr-other', 'someone.0123abcd', hash],
        ]) {
          await db.query('INSERT INTO letterbox_inboxes (name, smtp_user, smtp_hash, expires_at) VALUES ($1, $2, $3, NULL)', [name, user, stored]);
        }
      } finally {
        await db.end();
      }
      b = await startInboxSandbox(FILE, { database: url });
      const listed = (await (await fetch(`${base(b)}api/v1/inboxes`, { headers: AUTH })).json()) as Array<{ Name: string }>;
      expect(listed.map((i) => i.Name).sort()).toEqual(['mr-good', 'shop']);
      await sendSmtp(b.port('smtp'), { user: made.SMTP.Username, pass: made.SMTP.Password }, { from: 'ci@red.example', to: 'x@blue.example', subject: 'still works', text: 'ok' });
      expect(await subjects(b, 'mr-good')).toEqual(['still works']);
      expect((await fetch(`${base(b)}inbox/mr-plain/api/v1/messages`, { headers: AUTH })).status).toBe(404);
    } finally {
      await a.stop();
      await b?.stop();
    }
  }, 60_000);
});
