import { connect } from 'node:net';
import type { HostPort } from '../lib/host-port.js';
import { bareLfToCrlfStream } from '../transfer/line-endings.js';
import { EX, type CommandIo } from './io.js';

/**
 * `sendmail -bs`: the caller holds the SMTP session itself over standard input and
 * output (Symfony Mailer's default sendmail transport does). Letterbox already is an
 * SMTP server, so the session is relayed to it in both directions, byte for byte but
 * for a line the caller ends with a bare LF, which is sent with CRLF as the other modes
 * send it (and as Postfix's sendmail -bs reads it): else its DATA would never end. It
 * ends when Letterbox closes the connection (after QUIT, or when standard input ends).
 */
export function relaySmtpSession(addr: HostPort, io: CommandIo): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ host: addr.host, port: addr.port });
    let failure: string | undefined;
    const toServer = io.stdin.pipe(bareLfToCrlfStream());
    socket.once('connect', () => toServer.pipe(socket));
    socket.pipe(io.stdout, { end: false });
    socket.once('error', (error) => {
      failure = `cannot talk to ${addr.host}:${addr.port}: ${error.message}`;
    });
    socket.once('close', () => {
      toServer.unpipe(socket);
      if (failure === undefined) return resolve(EX.OK);
      io.stderr.write(`letterbox sendmail: ${failure}\n`);
      resolve(EX.TEMPFAIL);
    });
  });
}
