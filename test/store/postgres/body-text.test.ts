import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryOfText } from '../../../server/mime/body-text.js';
import { openPgStore } from '../../../server/store/postgres/open-pg-store.js';
import { hasPostgres, startPostgres, type Postgres } from '../../helpers/postgres.js';
import { until } from './cluster-picture.js';

const LIMITS = { maxMessages: 0, maxBytes: 0 };
const mail = (n: number) => ({ raw: Buffer.from(`Subject: note ${n}\r\n\r\nbody ${n}\r\n`), envelope: { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] } });

/** Runs SQL on a database of its own connection. */
async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

describe.runIf(hasPostgres())('body search text in PostgreSQL', () => {
  let postgres: Postgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
  });

  it("keeps no search text in any node's index, nor in the log: only in letterbox_body_text", async () => {
    const url = await postgres.createDatabase();
    const [a, b] = [await openPgStore({ url, limits: LIMITS }), await openPgStore({ url, limits: LIMITS })];
    try {
      const message = await a.deliver(mail(1));
      const text = `Quarterly report ${'and many more words '.repeat(500)}`;
      await a.setBody(message.id, summaryOfText(text, 2, 1));
      await until(b, () => b.get(message.id)?.body !== undefined);
      for (const node of [a, b]) {
        const body = node.get(message.id)?.body;
        expect(body).toEqual({ snippet: expect.stringMatching(/^Quarterly report and many/), attachments: 2, inline: 1 });
        expect(JSON.stringify(body).length).toBeLessThan(400);
        expect(await node.bodiesContaining('words and many')).toEqual(new Set([message.id]));
      }
      const logged = await sql(url, "SELECT record FROM letterbox_log WHERE record->>'t' = 'body'");
      expect(logged.rows.map((r: { record: { body: object } }) => Object.keys(r.record.body).sort())).toEqual([['attachments', 'inline', 'snippet']]);
      const stored = await sql(url, "SELECT id, convert_from(folded, 'UTF8') AS text FROM letterbox_body_text");
      expect(stored.rows).toEqual([{ id: message.id, text: summaryOfText(text, 0, 0).searchText }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('moves the search text of body records written before into the table, the last of each message, and out of the log', async () => {
    const url = await postgres.createDatabase();
    const node = await openPgStore({ url, limits: LIMITS });
    const [kept, removed] = [await node.deliver(mail(1)), await node.deliver(mail(2))];
    await node.setBody(kept.id, summaryOfText('first words', 0, 0));
    await node.setBody(kept.id, summaryOfText('second words', 0, 0));
    await node.setBody(removed.id, summaryOfText('gone words', 0, 0));
    await node.remove([removed.id]);
    await node.close();
    // The database as the version before left it: schema 1, the texts inside the body records.
    await sql(
      url,
      `DROP TABLE letterbox_body_text; DELETE FROM letterbox_schema WHERE version > 1;
       UPDATE letterbox_log SET record = jsonb_set(record, '{body,searchText}', to_jsonb(lower(record->'body'->>'snippet'))) WHERE record->>'t' = 'body'`,
    );
    const upgraded = await openPgStore({ url, limits: LIMITS });
    try {
      expect(upgraded.get(kept.id)?.body).toEqual({ snippet: 'second words', attachments: 0, inline: 0 });
      expect(await upgraded.bodiesContaining('words')).toEqual(new Set([kept.id]));
      expect(await upgraded.bodiesContaining('first')).toEqual(new Set());
      const left = await sql(url, "SELECT count(*)::int AS n FROM letterbox_log WHERE record->'body' ? 'searchText'");
      expect(left.rows).toEqual([{ n: 0 }]);
    } finally {
      await upgraded.close();
    }
  });
});
