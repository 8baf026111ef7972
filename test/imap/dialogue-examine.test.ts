import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { freshMailbox } from './fresh-mailbox.js';
import { loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

describe('EXAMINE and \\Recent (RFC 3501 §6.3.2, §2.3.2)', () => {
  it('reports the recent messages without claiming them; the SELECT after claims them', async () => {
    const { c, user } = await freshMailbox(box, 2, 'ex', { select: false });
    const examined = await c.command('E1', 'EXAMINE INBOX');
    expect(examined).toContain('* 2 RECENT');
    expect(await c.command('E2', 'FETCH 1:2 FLAGS')).toEqual(['* 1 FETCH (FLAGS (\\Recent))', '* 2 FETCH (FLAGS (\\Recent))', 'E2 OK FETCH completed']);
    expect(await c.command('E3', 'STATUS INBOX (RECENT)')).toContain('* STATUS INBOX (RECENT 2)');
    // Another session examining sees them recent too; mail arriving meanwhile is recent as well.
    const other = await loggedIn(box.port('imap'), user);
    expect(await other.command('O1', 'EXAMINE INBOX')).toContain('* 2 RECENT');
    await box.store.deliver({ raw: Buffer.from('Subject: m3\r\n\r\nthree\r\n'), envelope: { mailFrom: 'a@red.com', rcptTo: [user] } });
    expect(await other.command('O2', 'NOOP')).toEqual(['* 3 EXISTS', '* 3 RECENT', 'O2 OK NOOP completed']);
    expect(await c.command('S1', 'SELECT INBOX')).toContain('* 3 RECENT');
    expect(await other.command('O3', 'EXAMINE INBOX')).toContain('* 0 RECENT');
    c.close();
    other.close();
  });
});
