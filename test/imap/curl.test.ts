import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { deliver } from './fixtures.js';

const run = promisify(execFile);

describe.runIf(requireTool('curl'))('curl imap:// against the IMAP front', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox();
  });
  afterAll(() => box.stop(0));

  const curl = (path: string, ...args: string[]) =>
    run('curl', ['--silent', '--show-error', '--max-time', '10', '--user', 'curl@blue.com:pw', ...args, `imap://127.0.0.1:${box.port('imap')}/${path}`], { encoding: 'latin1' });

  it('lists folders, fetches a message by UID byte for byte, and runs a search', async () => {
    const first = await deliver(box.store, 'from curl', { to: 'curl@blue.com', body: 'caf\u00e9 8-bit body' });
    deliver(box.store, 'another', { to: 'curl@blue.com' });
    const list = await curl('');
    expect(list.stdout).toContain('* LIST (\\HasNoChildren \\Archive) "/" Archive');
    const fetched = await curl('INBOX;UID=1');
    expect(Buffer.from(fetched.stdout, 'latin1')).toEqual(await box.store.readRaw(first.id));
    const search = await curl('INBOX', '--request', 'UID SEARCH SUBJECT curl');
    expect(search.stdout.trim()).toBe('* SEARCH 1');
    const examine = await curl('INBOX', '--request', 'EXAMINE INBOX');
    expect(examine.stdout).toContain('* 2 EXISTS');
  });
});
