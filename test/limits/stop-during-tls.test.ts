import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTls } from '../../server/lib/tls.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/** The first bytes of a TLS ClientHello, and no more: a handshake left hanging. */
const HALF_A_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01]);

/**
 * Stopping at once while SMTPS clients are in or just past their TLS handshake ends
 * their sockets from the top. Tearing the raw socket out from under a TLS socket makes
 * Node 20 crash (SIGSEGV in a later getProtocol()), which would end this test run.
 */
describe('stop with TLS handshakes under way', () => {
  let dir: string;
  let files: { smtpTlsCert: string; smtpTlsKey: string };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-stop-tls-'));
    const tls = await loadTls({ mode: 'self-signed', certFile: '', keyFile: '', hostname: 'localhost' });
    files = { smtpTlsCert: join(dir, 'cert.pem'), smtpTlsKey: join(dir, 'key.pem') };
    await writeFile(files.smtpTlsCert, tls!.cert);
    await writeFile(files.smtpTlsKey, tls!.key);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const any = { host: '127.0.0.1', port: 0 };
  const startBox = () => startTestSandbox({ smtpTls: 'files', ...files, smtps: any, pop3s: any, imaps: any, uiTls: 'files', uiTlsCert: files.smtpTlsCert, uiTlsKey: files.smtpTlsKey });

  /** Resolves once the client has done its part; the server is stopped right after. */
  const clients: Record<string, (box: TestSandbox) => Promise<void>> = {
    'just finished its handshake and hung up': (box) =>
      new Promise((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: box.port('smtps'), rejectUnauthorized: false }, () => {
          socket.end();
          resolve();
        });
        socket.on('error', () => resolve());
      }),
    'sent half a ClientHello on SMTPS, POP3S, IMAPS and HTTPS': (box) =>
      Promise.all(
        ['smtps', 'pop3s', 'imaps', 'http'].map(
          (name) =>
            new Promise<void>((resolve) => {
              const socket = tcpConnect(box.port(name), '127.0.0.1', () => socket.write(HALF_A_HELLO, () => resolve()));
              socket.on('error', () => resolve());
            }),
        ),
      ).then(() => undefined),
    'sent half a ClientHello after STARTTLS': (box) =>
      new Promise((resolve) => {
        const socket = tcpConnect(box.port('smtp'), '127.0.0.1');
        let seen = '';
        socket.on('data', (chunk: Buffer) => {
          seen += chunk.toString('latin1');
          if (/^220 /m.test(seen) && !seen.includes('EHLO sent')) {
            seen += 'EHLO sent';
            socket.write('EHLO client.example\r\nSTARTTLS\r\n');
          }
          if (seen.includes('Ready to start TLS')) socket.write(HALF_A_HELLO, () => resolve());
        });
        socket.on('error', () => resolve());
      }),
  };

  for (const [what, client] of Object.entries(clients)) {
    it(`survives a stop right after a client ${what}`, async () => {
      let port = 0;
      for (let round = 0; round < 15; round++) {
        const box = await startBox();
        port = box.port('smtps');
        await client(box);
        await box.stop(0);
      }
      // The process is still here (a crash ends the run), and the stop really closed.
      const refused = await new Promise<string>((resolve) => {
        const socket = tcpConnect(port, '127.0.0.1', () => resolve('connected'));
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''));
      });
      expect(refused).toBe('ECONNREFUSED');
    });
  }
});
