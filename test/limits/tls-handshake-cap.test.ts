import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTls } from '../../server/lib/tls.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/** The first bytes of a TLS ClientHello, and no more: a handshake left hanging. */
const HALF_A_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01]);

/** A connection that starts a TLS handshake and never finishes it (a reset is fine). */
function stalledHandshake(port: number): Socket {
  const socket = tcpConnect(port, '127.0.0.1', () => socket.write(HALF_A_HELLO));
  socket.on('error', () => undefined);
  return socket;
}

/** Whether a full TLS handshake with the listener completes. */
function handshakes(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

/**
 * Connections still in their TLS handshake are not sessions yet, so the session caps do
 * not count them; they have a cap of their own, at twice the session caps, past which a
 * connection is closed at once (nothing can be said before the handshake).
 */
describe('TLS listeners cap connections that have not finished their handshake', () => {
  let dir: string;
  let box: TestSandbox;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-tls-cap-'));
    const tls = await loadTls({ mode: 'self-signed', certFile: '', keyFile: '', hostname: 'localhost' });
    await writeFile(join(dir, 'cert.pem'), tls!.cert);
    await writeFile(join(dir, 'key.pem'), tls!.key);
    const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
    const any = { host: '127.0.0.1', port: 0 };
    box = await startTestSandbox({
      maxConnectionsPerIp: 2,
      smtpTls: 'files',
      smtpTlsCert: files.cert,
      smtpTlsKey: files.key,
      smtps: any,
      pop3s: any,
      imaps: any,
      uiTls: 'files',
      uiTlsCert: files.cert,
      uiTlsKey: files.key,
    });
  });
  afterAll(async () => {
    await box?.stop(0);
    await rm(dir, { recursive: true, force: true });
  });

  for (const name of ['smtps', 'pop3s', 'imaps', 'http']) {
    it(`${name.toUpperCase()}: the fifth hanging handshake from one address is closed; once they go, a handshake succeeds`, async () => {
      const port = box.port(name);
      const held = Array.from({ length: 4 }, () => stalledHandshake(port));
      await Promise.all(held.map((socket) => once(socket, 'connect')));
      const fifth = stalledHandshake(port);
      const received: Buffer[] = [];
      fifth.on('data', (chunk: Buffer) => received.push(chunk));
      // (events.once would reject on the reset that may come first.)
      await new Promise((resolve) => fifth.once('close', resolve));
      expect(Buffer.concat(received).length).toBe(0);
      for (const socket of held) socket.destroy();
      await expect.poll(() => handshakes(port)).toBe(true);
    });
  }
});
