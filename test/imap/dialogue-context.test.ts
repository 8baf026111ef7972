import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { deliver, freshInboxes } from './fixtures.js';
import { loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

const mailbox = freshInboxes(() => box, 'ctx');

describe('IMAP CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4)', () => {
  it('SEARCH RETURN (UPDATE) reports ADDTO and REMOVEFROM as flags change, until CANCELUPDATE', async () => {
    const { c } = await mailbox(5);
    expect(await c.command('A1', 'SEARCH RETURN (UPDATE COUNT) SEEN')).toEqual(['* ESEARCH (TAG "A1") COUNT 0', 'A1 OK SEARCH completed']);
    expect(await c.command('A2', 'STORE 1,2,4 +FLAGS.SILENT (\\Seen)')).toEqual(['* ESEARCH (TAG "A1") ADDTO (0 1:2,4)', 'A2 OK STORE completed']);
    expect(await c.command('A3', 'STORE 2 -FLAGS.SILENT (\\Seen)')).toEqual(['* ESEARCH (TAG "A1") REMOVEFROM (0 2)', 'A3 OK STORE completed']);
    // Nothing changed in the result: nothing said.
    expect(await c.command('A4', 'NOOP')).toEqual(['A4 OK NOOP completed']);
    expect(await c.command('A5', 'CANCELUPDATE "A1"')).toEqual(['A5 OK CANCELUPDATE completed']);
    expect(await c.command('A6', 'STORE 3 +FLAGS.SILENT (\\Seen)')).toEqual(['A6 OK STORE completed']);
    c.close();
  });

  it('an expunged member leaves with REMOVEFROM before its EXPUNGE, by the number it had', async () => {
    const { c } = await mailbox(5);
    await c.command('P1', 'STORE 3:5 +FLAGS.SILENT (\\Deleted)');
    expect(await c.command('A1', 'SEARCH RETURN (UPDATE ALL) DELETED')).toEqual(['* ESEARCH (TAG "A1") ALL 3:5', 'A1 OK SEARCH completed']);
    expect(await c.command('A2', 'UID SEARCH RETURN (UPDATE) 4:5')).toEqual(['* ESEARCH (TAG "A2") UID', 'A2 OK UID SEARCH completed']);
    expect(await c.command('A3', 'EXPUNGE')).toEqual([
      '* ESEARCH (TAG "A1") REMOVEFROM (0 3:5)',
      '* ESEARCH (TAG "A2") UID REMOVEFROM (0 4:5)',
      '* 3 EXPUNGE',
      '* 3 EXPUNGE',
      '* 3 EXPUNGE',
      'A3 OK EXPUNGE completed',
    ]);
    c.close();
  });

  it('new mail and another session’s changes reach the result, in IDLE too', async () => {
    const { c, user } = await mailbox(2);
    expect(await c.command('A1', 'UID SEARCH RETURN (UPDATE) OR SUBJECT news FLAGGED')).toEqual(['* ESEARCH (TAG "A1") UID', 'A1 OK UID SEARCH completed']);
    await deliver(box.store, 'news today', { to: user });
    expect(await c.command('A2', 'NOOP')).toEqual(['* 3 EXISTS', '* 3 RECENT', '* ESEARCH (TAG "A1") UID ADDTO (0 3)', 'A2 OK NOOP completed']);
    c.write('A3 IDLE\r\n');
    expect(await c.line()).toBe('+ idling');
    await deliver(box.store, 'more news', { to: user });
    expect([await c.line(), await c.line(), await c.line()]).toEqual(['* 4 EXISTS', '* 4 RECENT', '* ESEARCH (TAG "A1") UID ADDTO (0 4)']);
    const other = await loggedIn(box.port('imap'), user);
    await other.command('B1', 'SELECT INBOX');
    await other.command('B2', 'STORE 1 +FLAGS.SILENT (\\Flagged)');
    expect([await c.line(), await c.line()]).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))', '* ESEARCH (TAG "A1") UID ADDTO (0 1)']);
    other.close();
    c.write('DONE\r\n');
    expect(await c.until('A3')).toEqual(['A3 OK IDLE terminated']);
    c.close();
  });

  it('SORT RETURN (UPDATE) places each change by its position in the sorted result', async () => {
    // Message i arrived on i January: (REVERSE ARRIVAL) orders them 5 4 3 2 1.
    const { c } = await mailbox(5);
    await c.command('P1', 'STORE 2,4 +FLAGS.SILENT (\\Flagged)');
    expect(await c.command('A1', 'SORT RETURN (UPDATE ALL) (REVERSE ARRIVAL) UTF-8 FLAGGED')).toEqual(['* ESEARCH (TAG "A1") ALL 4,2', 'A1 OK SORT completed']);
    expect(await c.command('A2', 'STORE 1,3,5 +FLAGS.SILENT (\\Flagged)')).toEqual([
      '* ESEARCH (TAG "A1") ADDTO (1 5)',
      '* ESEARCH (TAG "A1") ADDTO (3 3)',
      '* ESEARCH (TAG "A1") ADDTO (5 1)',
      'A2 OK STORE completed',
    ]);
    expect(await c.command('A3', 'STORE 2,5 -FLAGS.SILENT (\\Flagged)')).toEqual(['* ESEARCH (TAG "A1") REMOVEFROM (4 2)', '* ESEARCH (TAG "A1") REMOVEFROM (1 5)', 'A3 OK STORE completed']);
    c.close();
  });

  it('leaving the mailbox ends every live result; past the limit a result is not kept (NOUPDATE)', async () => {
    const { c } = await mailbox(2);
    await c.command('A1', 'SEARCH RETURN (UPDATE) SEEN');
    await c.command('A2', 'UNSELECT');
    await c.command('A3', 'SELECT INBOX');
    expect(await c.command('A4', 'STORE 1 +FLAGS.SILENT (\\Seen)')).toEqual(['A4 OK STORE completed']);
    for (let i = 0; i < 16; i++) expect(await c.command(`K${i}`, 'SEARCH RETURN (UPDATE) FLAGGED')).toEqual([`* ESEARCH (TAG "K${i}")`, `K${i} OK SEARCH completed`]);
    expect(await c.command('K16', 'SEARCH RETURN (UPDATE) FLAGGED')).toEqual(['* ESEARCH (TAG "K16")', '* NO [NOUPDATE "K16"] Too many live searches; this result will not be updated', 'K16 OK SEARCH completed']);
    // A new search under a kept tag replaces it rather than counting twice.
    expect(await c.command('K0', 'SEARCH RETURN (UPDATE) FLAGGED')).toEqual(['* ESEARCH (TAG "K0")', 'K0 OK SEARCH completed']);
    expect((await c.command('B1', 'CANCELUPDATE')).at(-1)).toMatch(/^B1 BAD /);
    expect(await c.command('B2', 'CANCELUPDATE "nothing" "K3"')).toEqual(['B2 OK CANCELUPDATE completed']);
    c.close();
  });
});
