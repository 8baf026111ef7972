import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { MailpitClient } from 'mailpit-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApi, type ApiBox } from './http-helpers.js';

let api: ApiBox;
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'letterbox-auth-'));
  const file = join(dir, 'htpasswd');
  await writeFile(file, `# users\nalice:${bcrypt.hashSync('wonderland', 4)}\nbob:plain-secret\n`);
  api = await startApi({ uiAuthFile: file, apiCors: ['https://app.example'] });
});
afterAll(async () => {
  await api.stop();
});

function openSocket(headers: Record<string, string>): Promise<WebSocket> {
  const ws = new WebSocket(api.base.replace('http', 'ws') + '/api/events', { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('HTTP Basic auth from an htpasswd file', () => {
  it('guards the API and the UI, not the probes', async () => {
    for (const path of ['/api/v1/messages', '/', '/metrics', '/view/latest.txt']) {
      const response = await fetch(api.base + path);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="Login"');
    }
    expect((await fetch(api.base + '/livez')).status).toBe(200);
    expect((await fetch(api.base + '/api/v1/messages', { headers: { authorization: basic('alice', 'wrong') } })).status).toBe(401);
    expect((await fetch(api.base + '/api/v1/messages', { headers: { authorization: basic('alice', 'wonderland') } })).status).toBe(200);
    expect((await fetch(api.base + '/api/v1/messages', { headers: { authorization: basic('bob', 'plain-secret') } })).status).toBe(200);
  });

  it('guards the WebSocket', async () => {
    await expect(openSocket({})).rejects.toThrow(/401/);
    const ws = await openSocket({ authorization: basic('alice', 'wonderland') });
    ws.close();
  });

  it('records the API user as Username on sent mail, and the mailpit-api client can log in', async () => {
    const client = new MailpitClient(api.base, { auth: { username: 'bob', password: 'plain-secret' } });
    const { ID } = await client.sendMessage({ From: { Email: 'a@b.test' }, To: [{ Email: 'c@d.test' }], Subject: 'authed' });
    expect((await client.getMessageSummary(ID)).Username).toBe('bob');
    await expect(new MailpitClient(api.base).getInfo()).rejects.toThrow(/401/);
  });
});

describe('CORS', () => {
  const auth = { authorization: basic('alice', 'wonderland') };

  it('echoes an allowed origin and answers preflight', async () => {
    const response = await fetch(api.base + '/api/v1/messages', { headers: { ...auth, origin: 'https://app.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const preflight = await fetch(api.base + '/api/v1/messages', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'DELETE' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('DELETE');
  });

  it('an allowed origin must still send JSON as application/json, and sees the refusal', async () => {
    const response = await fetch(api.base + '/api/v1/messages', { method: 'PUT', body: '{"Read":true}', headers: { ...auth, origin: 'https://app.example', 'content-type': 'text/plain' } });
    expect(response.status).toBe(415);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('blocks other origins', async () => {
    const response = await fetch(api.base + '/api/v1/messages', { headers: { ...auth, origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('Blocked due to CORS violation');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
