import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LetterboxClient } from '../../server/client/index.js';
import { sendSmtp, startInboxSandbox, type InboxSandbox } from '../helpers/inbox-sandbox.js';
import { INBOXES_FILE } from './inbox-helpers.js';

const run = promisify(execFile);

/** The whole sandbox with --inboxes: mail in over SMTP AUTH (nodemailer), read out over HTTP (curl, the typed client). */
describe('team inboxes through the sandbox', () => {
  let box: InboxSandbox;
  let base: string;
  beforeAll(async () => {
    box = await startInboxSandbox(INBOXES_FILE);
    base = `http://127.0.0.1:${box.port('http')}`;
  });
  afterAll(async () => {
    await box?.stop(0);
  });

  async function sendAs(user: string, pass: string, subject: string): Promise<void> {
    await sendSmtp(box.port('smtp'), { user, pass }, { from: 'app@x.test', to: 'someone@elsewhere.test', subject, text: 'hello' });
  }

  it('files mail sent with an inbox credential in that inbox, visible to its readers only', async () => {
    await sendAs('billing-app', 'b-s3cret', 'billing over SMTP');
    const bob = new LetterboxClient(base, { auth: { username: 'bob', password: 'pw-bob' } });
    const found = await bob.inbox('billing').waitForMessage({ query: 'subject:"billing over SMTP"' });
    expect(found.Subject).toBe('billing over SMTP');
    const { stdout: mine } = await run('curl', ['-s', '-u', 'alice:pw-alice', `${base}/inbox/shop/api/v1/search?query=billing`]);
    expect(JSON.parse(mine)).toMatchObject({ messages_count: 0 });
    const { stdout: notMine } = await run('curl', ['-s', '-w', ' %{http_code}', '-u', 'alice:pw-alice', `${base}/inbox/billing/api/v1/messages`]);
    expect(notMine).toBe('{"Error":"no such inbox"} 404');
    const { stdout: anonymous } = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${base}/inbox/billing/api/v1/messages`]);
    expect(anonymous).toBe('401');
  });

  it('makes an inbox through the API whose fresh SMTP credential files mail in it', async () => {
    const ops = new LetterboxClient(base, { auth: { username: 'ops', password: 'pw-ops' } });
    const made = await ops.createInbox('mr-1234', { ttl: '24h' });
    await sendAs(made.SMTP.Username, made.SMTP.Password, 'for the merge request');
    const inbox = new LetterboxClient(made.URL, { auth: { username: 'ops', password: 'pw-ops' } });
    expect((await inbox.waitForMessage()).Subject).toBe('for the merge request');
    await ops.deleteInbox('mr-1234');
    await expect(inbox.list()).rejects.toMatchObject({ status: 404 });
  });
});
