import type { Readable } from 'node:stream';
import type { SMTPServerSession } from 'smtp-server';
import type { Logger } from '../lib/log.js';
import type { Delivery } from '../store/delivery.js';
import type { StoredMessage } from '../store/types.js';

/** An error carrying the SMTP reply code smtp-server should send. */
export function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

type DataCallback = (error?: Error | null, message?: string) => void;

/**
 * Receives DATA into the store. The bytes kept are exactly those of DATA after
 * smtp-server's dot-unstuffing (RFC 5321 §4.5.2): only <CRLF>.<CRLF> ends a message,
 * so bare LF, bare CR and the smuggling sequences <LF>.<LF>, <CR>.<CR> and <LF>.<CR><LF>
 * stay inside the message as sent (RFC 5321 §2.3.8 forbids them; Letterbox keeps them
 * verbatim rather than guess, so a test can see exactly what its app sent).
 *
 * Size is counted as chunks arrive: past `maxSize` nothing more is kept, the rest is
 * drained and smtp-server answers 552 (rejectOversized), and the session goes on.
 * The 250 reply is sent only once the message is in the store (and saved, with a data
 * directory), and names its id.
 */
export function makeOnData(options: {
  delivery: Delivery;
  log: Logger;
  /** Called when a message is refused (for the rejected-messages count). */
  onRefused: () => void;
  /** Called once a message has been stored and its 250 sent. */
  onAccepted: (session: SMTPServerSession, message: StoredMessage) => void;
  /** Called after the reply to each finished transaction (graceful stop hooks in here). */
  afterTransaction: (session: SMTPServerSession) => void;
}): (stream: Readable, session: SMTPServerSession, callback: DataCallback) => void {
  const { delivery, log, onRefused, onAccepted, afterTransaction } = options;
  const { maxSize } = delivery;

  return (stream, session, callback) => {
    const refuseTooLarge = () => {
      onRefused();
      callback(smtpError(552, `Message exceeds the maximum size of ${maxSize} bytes`));
    };
    const chunks: Buffer[] = [];
    let bytes = 0;
    let oversized = false;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (delivery.tooLarge(bytes)) {
        // Stop keeping bytes past the limit; smtp-server drains the rest and answers 552.
        oversized = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    // The client left mid-DATA: smtp-server destroys the stream; nothing is stored.
    stream.on('error', (error: Error) => {
      chunks.length = 0;
      log.debug('message abandoned mid-DATA', { client: session.remoteAddress, bytes, reason: error.message });
    });
    stream.on('end', () => {
      if (oversized) {
        log.info('message refused: too large', { client: session.remoteAddress, bytes, maxSize });
        refuseTooLarge();
        return afterTransaction(session);
      }
      // With --data-dir the 250 waits for the journal to have the message (RFC 5321 §6.1).
      delivery
        .deliver({
          raw: messageBytes(chunks, bytes),
          envelope: {
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
          },
          client: {
            address: session.remoteAddress,
            helo: session.hostNameAppearsAs || '',
            username: typeof session.user === 'string' ? session.user : '',
            secure: session.secure,
            via: 'smtp',
          },
        })
        .then((result) => {
          if (result.ok) {
            callback(null, `Ok: queued as ${result.message.id}`);
            onAccepted(session, result.message);
          } else if (result.refusal.reason === 'too-large') refuseTooLarge();
          else if (result.refusal.reason === 'unrouted') {
            // RFC 3463 §3.8: X.7.1, delivery not authorized, message refused.
            onRefused();
            log.info('message refused: no inbox takes it', { client: session.remoteAddress, user: typeof session.user === 'string' ? session.user : '' });
            callback(smtpError(550, `5.7.1 ${result.refusal.text}`));
          } else callback(smtpError(451, 'Could not save the message, try again'));
        })
        .then(() => afterTransaction(session))
        .catch((error: unknown) => log.error('bug after a DATA reply', { error }));
    });
  };
}

/**
 * The message as one buffer. A message that came in one socket read is kept as the
 * slice of that read when the read holds little else (Node allocates each read afresh
 * and never reuses it); otherwise the pieces are copied into one buffer, which also
 * lets go of the reads they were cut from.
 */
function messageBytes(chunks: Buffer[], bytes: number): Buffer {
  const only = chunks.length === 1 ? chunks[0] : undefined;
  if (only && only.buffer.byteLength <= bytes * 2) return only;
  return Buffer.concat(chunks, bytes);
}
