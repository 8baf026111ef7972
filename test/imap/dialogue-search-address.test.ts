import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

/** Header blocks of the messages searched, in order (message n is headers[n-1]). */
const headers = [
  'From: ann@green.org\r\nTo: ben@green.org\r\nCc: cat@green.org',
  'From: Ann Green <ann@green.org>\r\nTo: "Ben Green" <ben@green.org>',
  'From: <ann (work) @ (main) green.org>\r\nTo: < ben @ green.org >',
  'From: ann@green.org (Ann Green)\r\nCc: Cat <cat@green.org>',
  'From: ann1@green.org, ann2@green.org',
  'From: =?UTF-8?Q?Ann=C3=A9e?= <ann@green.org>\r\nTo: team: dan@green.org, eve@green.org;, crew: fay@green.org;',
  'From: Ann Green <ann@green.org>\r\nTo: nobody:;',
];

describe('SEARCH FROM/TO/CC/BCC match the parsed addresses (RFC 3501 §6.4.4)', () => {
  it('matches local@domain with comments and white space removed, display names, comments as names, and groups', async () => {
    const user = 'addr@blue.com';
    for (const [i, header] of headers.entries()) {
      await box.store.deliver({ raw: Buffer.from(`${header}\r\nSubject: m${i + 1}\r\n\r\nbody\r\n`), envelope: { mailFrom: 'a@red.com', rcptTo: [user] } });
    }
    const c = await loggedIn(box.port('imap'), user);
    // A quoted string may carry UTF-8 once enabled (RFC 6855 §3).
    await c.command('U', 'ENABLE UTF8=ACCEPT');
    await c.command('S', 'SELECT INBOX');
    const search = async (criteria: string) => (await c.command('Q', `SEARCH ${criteria}`))[0];
    expect(await search('FROM ann@green.org')).toBe('* SEARCH 1 2 3 4 6 7');
    expect(await search('TO ben@green.org')).toBe('* SEARCH 1 2 3');
    expect(await search('FROM "ann green"')).toBe('* SEARCH 2 4 7');
    expect(await search('FROM annee')).toBe('* SEARCH');
    expect(await search('FROM "année"')).toBe('* SEARCH 6');
    expect(await search('TO "ben green"')).toBe('* SEARCH 2');
    expect(await search('CC cat')).toBe('* SEARCH 1 4');
    expect(await search('FROM nn@green')).toBe('* SEARCH 1 2 3 4 6 7');
    expect(await search('FROM ann2')).toBe('* SEARCH 5');
    expect(await search('TO team')).toBe('* SEARCH 6');
    expect(await search('TO crew')).toBe('* SEARCH 6');
    expect(await search('TO fay@green.org')).toBe('* SEARCH 6');
    expect(await search('TO nobody')).toBe('* SEARCH 7');
    // What a comment said is no address: "(work)" and "(main)" are gone.
    expect(await search('FROM work')).toBe('* SEARCH');
    expect(await search('HEADER FROM ""')).toBe('* SEARCH 1 2 3 4 5 6 7');
    expect(await search('BCC ann')).toBe('* SEARCH');
    c.close();
  });
});
