import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteaLiteral, dollarQuoted } from '../../../server/store/postgres/sql-literal.js';
import { hasPostgres, startPostgres, type Postgres } from '../../helpers/postgres.js';

/** Texts that would end or bend a dollar-quoted string with a careless tag. */
const TEXTS = [
  '',
  'plain',
  '$j$',
  'ends in $j',
  'ends in $',
  '$$',
  '$j$ and $j0$ and $j1$',
  // Every counted tag in turn: the tag is not found by counting through them.
  Array.from({ length: 2_000 }, (_, n) => `$j${n}$`).join(' '),
  "quotes ' \" and \\ backslashes \\x00",
  JSON.stringify({ subject: 'naïve 日本語 😀 $j$', nul: '\u0000', lone: '\ud800', tab: '\t' }),
];

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe.runIf(hasPostgres())('SQL literals of a batch', () => {
  let postgres: Postgres;
  let client: pg.Client;
  beforeAll(async () => {
    postgres = await startPostgres();
    client = await postgres.connect();
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await postgres?.stop();
  });

  it('reads back every text exactly as dollar-quoted', async () => {
    for (const text of TEXTS) {
      const { rows } = await client.query<{ t: string }>(`SELECT ${dollarQuoted(text)}::text AS t`);
      expect(rows[0]?.t).toBe(text);
    }
  });

  it('reads back bytes exactly, empty, NUL, 0xFF and every other byte, whatever standard_conforming_strings says', async () => {
    for (const conforming of ['on', 'off']) {
      await client.query(`SET standard_conforming_strings = ${conforming}`);
      for (const bytes of [Buffer.alloc(0), Buffer.from([0x00]), Buffer.from([0xff, 0x00, 0x5c, 0x27]), allBytes]) {
        const { rows } = await client.query<{ b: Buffer }>(`SELECT ${byteaLiteral(bytes)} AS b`);
        expect(rows[0]?.b.equals(bytes)).toBe(true);
      }
    }
    await client.query('RESET standard_conforming_strings');
  });
});
