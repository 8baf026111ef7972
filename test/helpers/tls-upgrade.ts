import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

/**
 * Starts TLS over a test client's plain connection (STARTTLS, STLS): its data reader
 * is detached first (a client drops its own close handlers first if it must), and the test certificate is accepted as it is.
 */
export async function upgradeToTls(plain: Socket): Promise<TLSSocket> {
  plain.removeAllListeners('data');
  const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', () => resolve());
    secure.once('error', reject);
  });
  return secure;
}
