import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostCheck, hostName, isLoopbackName } from '../../server/http/host-guard.js';
import { requireTool } from '../helpers/tools.js';
import { startApi, type ApiBox } from './http-helpers.js';

interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/** One request written byte for byte (any Host, or none), read until the server closes. */
function raw(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      // A 101 keeps the socket open: the head is all there is to read.
      if (/^HTTP\/1\.1 101 /.test(data) && data.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('close', () => {
      const [head = '', body = ''] = data.split(/\r\n\r\n(.*)/s);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body });
    });
    socket.on('error', reject);
  });
}

const get = (port: number, path: string, host: string | undefined, extra = '') =>
  raw(port, host === undefined ? `GET ${path} HTTP/1.0\r\n${extra}\r\n` : `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${extra}\r\n`);

const upgrade = (port: number, host: string) =>
  raw(port, `GET /api/events HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['--silent', '--show-error', '-o', '/dev/null', '-w', '%{http_code}', ...args]);
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(stdout));
  });
}

describe('host names the guard recognises', () => {
  it.each(['localhost', 'LOCALHOST.', 'inbox.localhost', '127.0.0.1', '127.8.9.10', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('%s is loopback', (name) => {
    expect(isLoopbackName(name)).toBe(true);
  });

  it.each(['localhost.evil.example', 'evil.example', '128.0.0.1', '0.0.0.0', '::', '10.0.0.1', '::2', ''])('%j is not loopback', (name) => {
    expect(isLoopbackName(name)).toBe(false);
  });

  it('reads the name out of a Host header, and nothing out of a malformed one', () => {
    expect(hostName('Mail.Example.TEST:8025')).toBe('mail.example.test');
    expect(hostName('mail.example.test.')).toBe('mail.example.test');
    expect(hostName('[::1]:8025')).toBe('::1');
    expect(hostName('[fd00::1]')).toBe('fd00::1');
    for (const bad of ['', 'a b', 'user@host', 'host:80:80', '[::1', 'host/path']) expect(hostName(bad)).toBeUndefined();
  });
});

describe('which listeners check the Host header', () => {
  const config = (allowedHosts: string[] = []) => ({ allowedHosts, hostname: 'box.test' });

  it('a loopback listener answers loopback names, --hostname and --allowed-hosts only', () => {
    const check = hostCheck(config(['mail.test']), '127.0.0.1');
    expect(check).not.toBeNull();
    for (const host of ['localhost:8025', '127.0.0.1:8025', '[::1]:8025', 'box.test', 'MAIL.test:1']) expect(check?.(host)).toBe(true);
    for (const host of ['evil.example', 'evil.example:8025', 'box.test.evil.example', '']) expect(check?.(host)).toBe(false);
    expect(check?.(undefined)).toBe(true);
    expect(hostCheck(config(), '::1')).not.toBeNull();
    expect(hostCheck(config(), 'localhost')).not.toBeNull();
  });

  it('a listener bound beyond loopback answers any Host unless --allowed-hosts is given', () => {
    expect(hostCheck(config(), '0.0.0.0')).toBeNull();
    expect(hostCheck(config(), '::')).toBeNull();
    expect(hostCheck(config(), '192.0.2.10')).toBeNull();
    const check = hostCheck(config(['mail.test']), '0.0.0.0');
    expect(check?.('mail.test:8025')).toBe(true);
    expect(check?.('localhost:8025')).toBe(true);
    expect(check?.('evil.example')).toBe(false);
  });

  it('* answers any Host, even on loopback', () => {
    expect(hostCheck(config(['*']), '127.0.0.1')).toBeNull();
  });
});

describe('the DNS-rebinding guard on a loopback listener', () => {
  let api: ApiBox;
  let port: number;
  let id: string;
  beforeAll(async () => {
    api = await startApi({ hostname: 'box.test', allowedHosts: ['mail.test', '[fd00::1]'] });
    port = api.box.port('http');
    id = (await api.send({ subject: 'not for evil eyes', text: 'secret' })).id;
  });
  afterAll(async () => {
    await api.stop();
  });

  it.each(['/api/v1/messages', '/api/v1/message/{id}/raw', '/', '/view/{id}.html'])('refuses %s under a foreign Host with 403 and a JSON error', async (path) => {
    const response = await get(port, path.replace('{id}', id), `evil.example:${port}`);
    expect(response.status).toBe(403);
    expect(response.headers).toMatch(/^content-type: application\/json/im);
    expect(JSON.parse(response.body)).toEqual({ Error: expect.stringContaining('--allowed-hosts') });
    expect(response.body).not.toContain('secret');
  });

  it('answers the health probes under any Host: they hold no mail', async () => {
    for (const path of ['/livez', '/readyz']) expect((await get(port, path, 'pod-10-1-2-3.cluster.example')).status).toBe(200);
  });

  it('refuses a rebound page even though its Origin matches its Host', async () => {
    const response = await get(port, '/api/v1/messages', `evil.example:${port}`, `Origin: http://evil.example:${port}\r\n`);
    expect(response.status).toBe(403);
  });

  it('refuses a state change under a foreign Host', async () => {
    const response = await raw(port, `DELETE /api/v1/messages HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    expect(response.status).toBe(403);
    expect(api.box.store.get(id)).toBeDefined();
  });

  it('refuses the WebSocket upgrade under a foreign Host with 403, and upgrades under localhost', async () => {
    const refused = await upgrade(port, `evil.example:${port}`);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ Error: expect.stringContaining('--allowed-hosts') });
    expect((await upgrade(port, `localhost:${port}`)).status).toBe(101);
  });

  it.each(['localhost:{port}', '127.0.0.1:{port}', '[::1]:{port}', 'inbox.localhost:{port}', 'box.test:{port}', 'mail.test', '[fd00::1]:{port}'])('answers Host %s', async (host) => {
    expect((await get(port, '/api/v1/info', host.replace('{port}', String(port)))).status).toBe(200);
  });

  it('answers an HTTP/1.0 request without a Host header', async () => {
    const response = await get(port, '/api/v1/info', undefined);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ Messages: expect.any(Number) });
  });

  it('answers fetch by address and by localhost', async () => {
    for (const base of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      expect((await fetch(`${base}/api/v1/messages`)).status).toBe(200);
    }
  });

  it.runIf(requireTool('curl'))('answers curl by address and by localhost', async () => {
    expect(await curl([`http://127.0.0.1:${port}/api/v1/messages`])).toBe('200');
    expect(await curl(['--resolve', `localhost:${port}:127.0.0.1`, `http://localhost:${port}/api/v1/messages`])).toBe('200');
    expect(await curl(['-H', 'Host: evil.example', `http://127.0.0.1:${port}/api/v1/messages`])).toBe('403');
  });
});

describe('--allowed-hosts *', () => {
  it('answers any Host on a loopback listener', async () => {
    const api = await startApi({ allowedHosts: ['*'] });
    try {
      const port = api.box.port('http');
      expect((await get(port, '/api/v1/info', 'evil.example')).status).toBe(200);
      expect((await upgrade(port, 'evil.example')).status).toBe(101);
    } finally {
      await api.stop();
    }
  });
});
