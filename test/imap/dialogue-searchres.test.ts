import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { freshInboxes } from './fixtures.js';
import { loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

const mailbox = freshInboxes(() => box, 'res');

describe('IMAP SEARCHRES (RFC 5182, RFC 9051 §6.4.4.1)', () => {
  it('SEARCH RETURN (SAVE) answers with the tagged OK alone, and FETCH $ reads what it saved (RFC 5182 §2.2 example)', async () => {
    const { c } = await mailbox(5);
    await c.command('P1', 'STORE 2,4 +FLAGS.SILENT (\\Flagged)');
    expect(await c.command('A282', 'SEARCH RETURN (SAVE) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"')).toEqual(['A282 OK SEARCH completed, result saved']);
    expect(await c.command('A283', 'FETCH $ (UID FLAGS)')).toEqual(['* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent))', '* 4 FETCH (UID 4 FLAGS (\\Flagged \\Recent))', 'A283 OK FETCH completed']);
    expect(await c.command('A284', 'UID FETCH $ (FLAGS)')).toEqual(['* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent))', '* 4 FETCH (UID 4 FLAGS (\\Flagged \\Recent))', 'A284 OK UID FETCH completed']);
    // `$` inside a later SEARCH, by sequence number and as a UID set.
    expect(await c.command('A285', 'SEARCH $ BODY "number 4"')).toEqual(['* SEARCH 4', 'A285 OK SEARCH completed']);
    expect(await c.command('A286', 'UID SEARCH UID $')).toEqual(['* SEARCH 2 4', 'A286 OK UID SEARCH completed']);
    expect(await c.command('A287', 'SEARCH NOT $')).toEqual(['* SEARCH 1 3 5', 'A287 OK SEARCH completed']);
    c.close();
  });

  it('UID SEARCH RETURN (SAVE) then UID COPY $ and MOVE $ (RFC 5182 §2.2 example)', async () => {
    const { c, user } = await mailbox(4);
    await c.command('C0', 'CREATE foo');
    expect(await c.command('A301', 'UID SEARCH RETURN (SAVE) SINCE 1-Jan-2004 NOT FROM "Smith" UID 2:3')).toEqual(['A301 OK UID SEARCH completed, result saved']);
    const validity = box.store.folder(user, 'foo')?.uidValidity;
    expect(await c.command('A302', 'UID COPY $ "foo"')).toEqual([`A302 OK [COPYUID ${validity} 2:3 1:2] UID COPY completed`]);
    expect(await c.command('A303', 'COPY $ foo')).toEqual([`A303 OK [COPYUID ${validity} 2:3 3:4] COPY completed`]);
    expect(await c.command('A304', 'MOVE $ foo')).toEqual([`* OK [COPYUID ${validity} 2:3 5:6] Moved`, '* 2 EXPUNGE', '* 2 EXPUNGE', 'A304 OK MOVE completed']);
    // The moved messages left `$` with the folder (RFC 5182 §2.1).
    expect(await c.command('A305', 'FETCH $ (UID)')).toEqual(['A305 OK FETCH completed']);
    c.close();
  });

  it('STORE $, UID STORE $ and UID EXPUNGE $; expunged messages leave $', async () => {
    const { c, user } = await mailbox(5);
    expect(await c.command('A1', 'SEARCH RETURN (SAVE) OR BODY "number 2" BODY "number 5"')).toEqual(['A1 OK SEARCH completed, result saved']);
    expect(await c.command('A2', 'STORE $ +FLAGS (\\Deleted)')).toEqual([
      '* 2 FETCH (FLAGS (\\Deleted \\Recent))',
      '* 5 FETCH (FLAGS (\\Deleted \\Recent))',
      'A2 OK STORE completed',
    ]);
    expect(await c.command('A3', 'UID STORE $ +FLAGS.SILENT (\\Seen)')).toEqual(['A3 OK UID STORE completed']);
    expect(await c.command('A4', 'STORE 2 -FLAGS.SILENT (\\Deleted)')).toEqual(['A4 OK STORE completed']);
    expect(await c.command('A5', 'UID EXPUNGE $')).toEqual(['* 5 EXPUNGE', 'A5 OK UID EXPUNGE completed']);
    expect(await c.command('A6', 'FETCH $ (UID FLAGS)')).toEqual(['* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent))', 'A6 OK FETCH completed']);
    // A message expunged by another session leaves `$` too.
    const other = await loggedIn(box.port('imap'), user);
    await other.command('B1', 'SELECT INBOX');
    await other.command('B2', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
    await other.command('B3', 'EXPUNGE');
    expect(await c.command('A7', 'NOOP')).toEqual(['* 2 EXPUNGE', 'A7 OK NOOP completed']);
    expect(await c.command('A8', 'FETCH $ (UID)')).toEqual(['A8 OK FETCH completed']);
    other.close();
    c.close();
  });

  it('SAVE with MIN, MAX, ALL and COUNT (RFC 5182 §2.4)', async () => {
    const { c } = await mailbox(5);
    expect(await c.command('A1', 'SEARCH RETURN (SAVE MIN) NOT BODY "number 1"')).toEqual(['* ESEARCH (TAG "A1") MIN 2', 'A1 OK SEARCH completed']);
    expect(await c.command('A2', 'FETCH $ (UID)')).toEqual(['* 2 FETCH (UID 2)', 'A2 OK FETCH completed']);
    expect(await c.command('A3', 'UID SEARCH RETURN (MAX SAVE) NOT BODY "number 1"')).toEqual(['* ESEARCH (TAG "A3") UID MAX 5', 'A3 OK UID SEARCH completed']);
    expect(await c.command('A4', 'FETCH $ (UID)')).toEqual(['* 5 FETCH (UID 5)', 'A4 OK FETCH completed']);
    expect(await c.command('A5', 'SEARCH RETURN (MIN MAX SAVE) NOT BODY "number 1"')).toEqual(['* ESEARCH (TAG "A5") MIN 2 MAX 5', 'A5 OK SEARCH completed']);
    expect(await c.command('A6', 'FETCH $ (UID)')).toEqual(['* 2 FETCH (UID 2)', '* 5 FETCH (UID 5)', 'A6 OK FETCH completed']);
    expect(await c.command('A7', 'SEARCH RETURN (SAVE COUNT) 2:4')).toEqual(['* ESEARCH (TAG "A7") COUNT 3', 'A7 OK SEARCH completed']);
    expect(await c.command('A8', 'FETCH $ (UID)')).toEqual(['* 2 FETCH (UID 2)', '* 3 FETCH (UID 3)', '* 4 FETCH (UID 4)', 'A8 OK FETCH completed']);
    expect(await c.command('A9', 'SEARCH RETURN (ALL SAVE) 1,5')).toEqual(['* ESEARCH (TAG "A9") ALL 1,5', 'A9 OK SEARCH completed']);
    expect(await c.command('A10', 'FETCH $ (UID)')).toEqual(['* 1 FETCH (UID 1)', '* 5 FETCH (UID 5)', 'A10 OK FETCH completed']);
    // A search that finds nothing saves nothing; `$` then names no message, which is not an error.
    expect(await c.command('A11', 'SEARCH RETURN (SAVE MIN) BODY "no such text"')).toEqual(['* ESEARCH (TAG "A11")', 'A11 OK SEARCH completed']);
    expect(await c.command('A12', 'FETCH $ (UID)')).toEqual(['A12 OK FETCH completed']);
    expect(await c.command('A13', 'STORE $ +FLAGS (\\Seen)')).toEqual(['A13 OK STORE completed']);
    c.close();
  });

  it('SELECT, EXAMINE, CLOSE and UNSELECT empty $; a failed SAVE search empties it', async () => {
    const { c } = await mailbox(3);
    const refill = async (tag: string) => expect(await c.command(tag, 'SEARCH RETURN (SAVE) ALL')).toEqual([`${tag} OK SEARCH completed, result saved`]);
    const empty = async (tag: string) => expect(await c.command(tag, 'UID FETCH $ (UID)')).toEqual([`${tag} OK UID FETCH completed`]);
    await refill('A1');
    expect(await c.command('A2', 'UID FETCH $ (UID)')).toHaveLength(4);
    for (const [n, reset] of ['SELECT INBOX', 'EXAMINE INBOX', 'UNSELECT', 'CLOSE'].entries()) {
      await refill(`R${n}`);
      expect((await c.command(`X${n}`, reset)).at(-1)).toMatch(new RegExp(`^X${n} OK`));
      if (reset === 'UNSELECT' || reset === 'CLOSE') await c.command(`Y${n}`, 'SELECT INBOX');
      await empty(`E${n}`);
    }
    await refill('B1');
    expect(await c.command('B2', 'SEARCH RETURN (SAVE) CHARSET KOI8-R ALL')).toEqual(['B2 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset']);
    await empty('B3');
    c.close();
  });

  it('the $ of one session is its own, and works for an IMAP4rev2 client', async () => {
    const { c, user } = await mailbox(3);
    expect(await c.command('E1', 'ENABLE IMAP4rev2')).toEqual(['* ENABLED IMAP4rev2', 'E1 OK ENABLE completed']);
    await c.command('S1', 'SELECT INBOX');
    expect(await c.command('A1', 'SEARCH RETURN (SAVE) 2')).toEqual(['A1 OK SEARCH completed, result saved']);
    expect(await c.command('A2', 'SEARCH $')).toEqual(['* ESEARCH (TAG "A2") ALL 2', 'A2 OK SEARCH completed']);
    const other = await loggedIn(box.port('imap'), user);
    await other.command('B1', 'SELECT INBOX');
    expect(await other.command('B2', 'FETCH $ (UID)')).toEqual(['B2 OK FETCH completed']);
    other.close();
    c.close();
  });

  it('answers BAD for a malformed $ and for $ outside the selected state', async () => {
    const { c } = await mailbox(2);
    for (const [tag, text] of [
      ['A1', 'FETCH $: (UID)'],
      ['A2', 'FETCH $$ (UID)'],
      ['A3', 'FETCH 1:$ (UID)'],
      ['A4', 'SEARCH RETURN (SAVE BOGUS) ALL'],
      ['A5', 'UID SEARCH UID $1'],
    ] as const) {
      expect((await c.command(tag, text))[0]).toMatch(new RegExp(`^${tag} BAD `));
    }
    // A long run of `$` (as much as a command line holds) names each saved message once.
    await c.command('A8', 'SEARCH RETURN (SAVE) ALL');
    expect(await c.command('A9', `FETCH ${'$,'.repeat(30_000)}$ (UID)`)).toEqual(['* 1 FETCH (UID 1)', '* 2 FETCH (UID 2)', 'A9 OK FETCH completed']);
    await c.command('U1', 'UNSELECT');
    expect(await c.command('A6', 'FETCH $ (UID)')).toEqual(['A6 BAD FETCH is not valid in the authenticated state']);
    expect(await c.command('A7', 'CAPABILITY')).toEqual([expect.stringMatching(/^\* CAPABILITY .* SEARCHRES /), 'A7 OK CAPABILITY completed']);
    c.close();
  });
});
