import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../server/config.js';
import { loadTls } from '../../server/lib/tls.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { requireTool } from '../helpers/tools.js';

/** Runs curl without blocking the event loop (the server answers from this same process). */
function curl(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['--silent', '--show-error', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

/** GET over node:https, trusting only `ca`. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    }).on('error', reject);
  });
}

/**
 * The certificate a TLS listener presents, read without trusting it. Resolves once the
 * connection is closed, so no half-closed session is left for the sandbox's stop.
 */
function peerCertificate(port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const certificate = socket.getPeerCertificate();
      socket.once('close', () => resolve(certificate));
      socket.end();
    });
    socket.on('error', reject);
  });
}

function toPem(certificate: PeerCertificate): string {
  return `-----BEGIN CERTIFICATE-----\n${certificate.raw.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}

async function sendOne(box: TestSandbox, subject: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), secure: false, ignoreTLS: true });
  await transport.sendMail({ from: 'a@example.test', to: 'b@example.test', subject, text: 'over wss' });
  transport.close();
}

describe('HTTPS from certificate files (--ui-tls-cert, --ui-tls-key)', () => {
  let box: TestSandbox;
  let cert: string;
  let base: string;
  beforeAll(async () => {
    const made = await loadTls({ mode: 'self-signed', certFile: '', keyFile: '', hostname: 'letterbox.test' });
    if (!made) throw new Error('no certificate made');
    cert = made.cert;
    const dir = await mkdtemp(join(tmpdir(), 'letterbox-https-'));
    await writeFile(join(dir, 'cert.pem'), made.cert);
    await writeFile(join(dir, 'key.pem'), made.key);
    const config = loadConfig(['--ui-tls-cert', join(dir, 'cert.pem'), '--ui-tls-key', join(dir, 'key.pem')], {});
    box = await startTestSandbox({ uiTls: config.uiTls, uiTlsCert: config.uiTlsCert, uiTlsKey: config.uiTlsKey });
    base = `https://127.0.0.1:${box.port('http')}`;
  });
  afterAll(async () => {
    await box.stop(0);
  });

  it('keeps the listener name http and reports the scheme', () => {
    expect(box.listener('http')).toMatchObject({ name: 'http', host: '127.0.0.1', scheme: 'https' });
  });

  it('answers node:https that trusts the certificate as its CA, without HSTS', async () => {
    const info = await httpsGet(`${base}/api/v1/info`, cert);
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ Version: expect.any(String) });
    expect(info.headers['strict-transport-security']).toBeUndefined();
  });

  it('is refused by a client that trusts nothing extra', async () => {
    await expect(fetch(`${base}/api/v1/info`)).rejects.toThrow();
  });

  it('does not speak plain HTTP on the same port', async () => {
    await expect(fetch(`http://127.0.0.1:${box.port('http')}/api/v1/info`)).rejects.toThrow();
  });

  it('streams events over wss', async () => {
    const ws = new WebSocket(`${base.replace('https', 'wss')}/api/events`, { ca: cert });
    const frame = new Promise<{ Type: string; Data: { Subject?: string } }>((resolve) => {
      ws.on('message', (data) => {
        const parsed = JSON.parse(String(data)) as { Type: string; Data: { Subject?: string } };
        if (parsed.Type === 'new') resolve(parsed);
      });
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await sendOne(box, 'secure live one');
    expect((await frame).Data.Subject).toBe('secure live one');
    ws.close();
  });

  describe.runIf(requireTool('curl'))('with curl', () => {
    it('verifies the certificate with --cacert, by address and by name', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'letterbox-ca-'));
      await writeFile(join(dir, 'ca.pem'), cert);
      const port = box.port('http');
      for (const url of [`https://127.0.0.1:${port}/livez`, `https://localhost:${port}/livez`]) {
        const result = await curl(['--cacert', join(dir, 'ca.pem'), '--resolve', `localhost:${port}:127.0.0.1`, url]);
        expect(result).toMatchObject({ status: 0, stdout: 'ok' });
      }
    });

    it('fails verification without the CA', async () => {
      const result = await curl([`${base}/livez`]);
      expect(result.status).toBe(60);
    });
  });
});

describe('HTTPS with a certificate made at start (--ui-tls self-signed)', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ uiTls: 'self-signed', smtpTls: 'self-signed', smtps: { host: '127.0.0.1', port: 0 }, hostname: 'letterbox.test' });
  });
  afterAll(async () => {
    await box.stop(0);
  });

  it('serves a client that trusts the certificate it was shown', async () => {
    const presented = await peerCertificate(box.port('http'));
    expect(presented.subject.CN).toBe('letterbox.test');
    const info = await httpsGet(`https://127.0.0.1:${box.port('http')}/api/v1/info`, toPem(presented));
    expect(info.status).toBe(200);
  });

  it.runIf(requireTool('curl'))('serves curl -k', async () => {
    expect(await curl(['-k', `https://127.0.0.1:${box.port('http')}/livez`])).toMatchObject({ status: 0, stdout: 'ok' });
  });

  it('is the same certificate SMTP made, so one instance has one certificate to trust', async () => {
    const [web, smtps] = await Promise.all([peerCertificate(box.port('http')), peerCertificate(box.port('smtps'))]);
    expect(web.fingerprint256).toBe(smtps.fingerprint256);
  });
});

describe('HTTPS past the connection cap', () => {
  it('answers 503 with a JSON error inside TLS', async () => {
    const box = await startTestSandbox({ uiTls: 'self-signed', maxConnections: 1 });
    const port = box.port('http');
    /** Sends one request on a TLS connection; resolves with what arrived once `done` matches. */
    const exchange = (socket: TLSSocket, done: RegExp) =>
      new Promise<string>((resolve, reject) => {
        let text = '';
        socket.on('data', (chunk) => (text += chunk) && done.test(text) && resolve(text));
        socket.on('error', reject);
        socket.write('GET /livez HTTP/1.1\r\nHost: localhost\r\n\r\n');
      });
    const held = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    const refused = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    try {
      // An answered request proves the first connection was admitted before the second arrives.
      expect(await exchange(held, /\r\n\r\nok$/)).toMatch(/^HTTP\/1\.1 200 /);
      const text = await exchange(refused, /\}$/);
      expect(text).toMatch(/^HTTP\/1\.1 503 /);
      expect(text).toContain('{"Error":"Too many connections');
    } finally {
      held.destroy();
      refused.destroy();
      await box.stop(0);
    }
  });
});

describe('HTTPS options', () => {
  it('a certificate or key file alone turns HTTPS on from files, from flags or the environment', () => {
    expect(loadConfig(['--ui-tls-cert', 'c.pem', '--ui-tls-key', 'k.pem'], {}).uiTls).toBe('files');
    expect(loadConfig([], { LETTERBOX_UI_TLS_CERT: 'c.pem', LETTERBOX_UI_TLS_KEY: 'k.pem' })).toMatchObject({ uiTls: 'files', uiTlsCert: 'c.pem', uiTlsKey: 'k.pem' });
    expect(loadConfig([], {}).uiTls).toBe('off');
  });
});
