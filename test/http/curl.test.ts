import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { startApi, type ApiBox } from './http-helpers.js';

/** Runs curl without blocking the event loop (the server answers from this same process). */
function curl(args: string[], cwd?: string): Promise<{ status: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['--silent', '--show-error', ...args], { cwd });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stdout }));
  });
}

describe.runIf(requireTool('curl'))('curl as the client', () => {
  let api: ApiBox;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'letterbox-curl-'));
    await writeFile(join(dir, 'users'), 'ci:secret\n');
    api = await startApi({ uiAuthFile: join(dir, 'users') });
  });
  afterAll(async () => {
    await api.stop();
  });

  it('downloads the raw message under its own name with Basic auth', async () => {
    const sent = await api.send({ subject: 'for curl', text: 'byte for byte' });
    const dir = await mkdtemp(join(tmpdir(), 'letterbox-dl-'));
    const result = await curl(['-u', 'ci:secret', '-O', '-J', `${api.base}/api/v1/message/${sent.id}/raw?dl=1`], dir);
    expect(result.status).toBe(0);
    expect(await readFile(join(dir, `${sent.id}.eml`))).toEqual(await api.box.store.readRaw(sent.id));
  });

  it('sends with POST /api/v1/send and reads the 401 without credentials', async () => {
    const body = JSON.stringify({ From: { Email: 'curl@example.test' }, To: [{ Email: 'x@example.test' }], Subject: 'from curl' });
    const sent = await curl(['-u', 'ci:secret', '-H', 'Content-Type: application/json', '--data', body, `${api.base}/api/v1/send`]);
    expect(JSON.parse(sent.stdout)).toEqual({ ID: expect.stringMatching(/^[0-9A-Za-z]{22}$/) });
    const denied = await curl(['-o', '/dev/null', '-w', '%{http_code}', `${api.base}/api/v1/messages`]);
    expect(denied.stdout).toBe('401');
  });

  // Mailpit's documented one-liners send JSON under curl's default form type.
  it('takes JSON sent without a JSON content type, as Mailpit does', async () => {
    const sent = await api.send({ subject: 'mark me', text: 'unread at first' });
    const marked = await curl(['-u', 'ci:secret', '-X', 'PUT', '-d', '{"Read":true}', `${api.base}/api/v1/messages`]);
    expect(marked.stdout).toBe('ok');
    expect(api.box.store.get(sent.id)?.flags.has('\\Seen')).toBe(true);
    const body = JSON.stringify({ From: { Email: 'curl@example.test' }, To: [{ Email: 'x@example.test' }], Subject: 'untyped' });
    const posted = await curl(['-u', 'ci:secret', '--data-binary', body, '-H', 'Content-Type:', `${api.base}/api/v1/send`]);
    const id = (JSON.parse(posted.stdout) as { ID: string }).ID;
    expect((await api.box.store.readRaw(id))?.toString()).toContain('Subject: untyped');
  });

  it('serves the API description at Mailpit\'s swagger.json path too', async () => {
    const doc = await curl(['-u', 'ci:secret', `${api.base}/api/v1/swagger.json`]);
    expect((JSON.parse(doc.stdout) as { paths: Record<string, unknown> }).paths['/api/v1/messages']).toBeDefined();
  });
});
