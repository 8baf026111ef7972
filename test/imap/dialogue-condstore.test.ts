import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { freshMailbox } from './fresh-mailbox.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

const mailbox = (count: number) => freshMailbox(box, count, 'cs');

const highest = (user: string) => Math.max(...(box.store.folder(user, 'INBOX')?.entries ?? []).map((e) => e.message.modseq));

describe('CONDSTORE enabled by a command on a selected mailbox (RFC 7162 §3.1)', () => {
  it('the first FETCH (MODSEQ) sends OK [HIGHESTMODSEQ] before its FETCH responses, once', async () => {
    const { c, user } = await mailbox(2);
    const first = await c.command('A1', 'FETCH 1 (MODSEQ)');
    expect(first[0]).toBe(`* OK [HIGHESTMODSEQ ${highest(user)}] Highest`);
    expect(first.slice(1)).toEqual([expect.stringMatching(/^\* 1 FETCH \(MODSEQ \(\d+\)\)$/), 'A1 OK FETCH completed']);
    expect((await c.command('A2', 'FETCH 2 (MODSEQ)'))[0]).toMatch(/^\* 2 FETCH/);
    c.close();
  });

  it('so do CHANGEDSINCE, SEARCH MODSEQ and STORE UNCHANGEDSINCE', async () => {
    for (const text of ['FETCH 1:* (FLAGS) (CHANGEDSINCE 1)', 'SEARCH MODSEQ 1', 'STORE 1 (UNCHANGEDSINCE 999999) +FLAGS (\\Seen)']) {
      const { c, user } = await mailbox(1);
      const before = highest(user);
      const reply = await c.command('A1', text);
      expect(reply[0], text).toBe(`* OK [HIGHESTMODSEQ ${before}] Highest`);
      c.close();
    }
  });

  it('SELECT (CONDSTORE) and ENABLE CONDSTORE before SELECT need no second announcement', async () => {
    const { c } = await mailbox(1);
    await c.command('S1', 'SELECT INBOX (CONDSTORE)');
    expect((await c.command('A1', 'FETCH 1 (MODSEQ)'))[0]).toMatch(/^\* 1 FETCH/);
    c.close();
  });
});

describe('SEARCH RETURN with a MODSEQ criterion (RFC 7162 §3.1.5)', () => {
  it('MIN and MAX report the MODSEQ of that message, ALL and MIN MAX the highest of the matches', async () => {
    const { c } = await mailbox(4);
    await c.command('E', 'ENABLE CONDSTORE');
    const modseq: number[] = [];
    for (const n of [1, 3, 2, 4]) {
      const [line] = await c.command(`T${n}`, `STORE ${n} +FLAGS (\\Seen)`);
      modseq[n] = Number(/MODSEQ \((\d+)\)/.exec(line ?? '')?.[1]);
    }
    const search = async (text: string) => (await c.command('Q', text))[0];
    expect(await search('SEARCH RETURN (MIN) 1:3 MODSEQ "/flags/\\\\seen" all 1')).toBe(`* ESEARCH (TAG "Q") MIN 1 MODSEQ ${modseq[1]}`);
    expect(await search('SEARCH RETURN (MAX) 1:3 MODSEQ "/flags/\\\\seen" all 1')).toBe(`* ESEARCH (TAG "Q") MAX 3 MODSEQ ${modseq[3]}`);
    expect(await search('SEARCH RETURN () 1:3 MODSEQ 1')).toBe(`* ESEARCH (TAG "Q") ALL 1:3 MODSEQ ${modseq[2]}`);
    expect(await search('SEARCH RETURN (MIN MAX) 2:3 MODSEQ 1')).toBe(`* ESEARCH (TAG "Q") MIN 2 MAX 3 MODSEQ ${modseq[2]}`);
    expect(await search('UID SEARCH RETURN (COUNT) 1:3 MODSEQ 1')).toBe(`* ESEARCH (TAG "Q") UID COUNT 3 MODSEQ ${modseq[2]}`);
    expect(await search(`SEARCH RETURN (ALL) 2:3 MODSEQ ${modseq[4]}`)).toBe('* ESEARCH (TAG "Q")');
    c.close();
  });
});
