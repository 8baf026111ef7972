import type { SMTPServerOptions } from 'smtp-server';
import type { Chaos, ChaosStage, ChaosVerdict } from './chaos.js';

type Refusal = Error & { responseCode: number };

function refusal(verdict: Extract<ChaosVerdict, { kind: 'reply' }>): Refusal {
  return Object.assign(new Error(verdict.message), { responseCode: verdict.code });
}

/**
 * The SMTP front's options with chaos stepping in before each handler: connect, MAIL,
 * RCPT and AUTH get the configured reply instead of their normal work; at the end of
 * DATA the message is refused or, while paused in discard mode, accepted and dropped
 * (it never reaches the store). Without chaos the options are returned as they are.
 */
export function withChaos(options: SMTPServerOptions, chaos: Chaos | undefined): SMTPServerOptions {
  if (!chaos) return options;
  const refuse = (stage: ChaosStage): Refusal | undefined => {
    const verdict = chaos.verdict(stage);
    return verdict?.kind === 'reply' ? refusal(verdict) : undefined;
  };
  const { onConnect, onMailFrom, onRcptTo, onAuth, onData } = options;
  return {
    ...options,
    onConnect(session, callback) {
      const error = refuse('connect');
      if (error) return callback(error);
      if (onConnect) return onConnect(session, callback);
      callback();
    },
    onMailFrom(address, session, callback) {
      const error = refuse('mail');
      if (error) return callback(error);
      if (onMailFrom) return onMailFrom(address, session, callback);
      callback();
    },
    onRcptTo(address, session, callback) {
      const error = refuse('rcpt');
      if (error) return callback(error);
      if (onRcptTo) return onRcptTo(address, session, callback);
      callback();
    },
    onAuth(auth, session, callback) {
      const error = refuse('auth');
      if (error) return callback(error);
      if (onAuth) return onAuth(auth, session, callback);
      callback(null, { user: auth.username ?? '' });
    },
    onData(stream, session, callback) {
      const verdict = chaos.verdict('data');
      if (!verdict) {
        if (onData) return onData(stream, session, callback);
        stream.resume();
        return stream.once('end', () => callback());
      }
      // The message is read to its end either way, so the session stays in step; a client
      // leaving mid-DATA ends the stream with an error that smtp-server already handles.
      stream.on('error', () => undefined);
      stream.resume();
      stream.once('end', () => {
        if (verdict.kind === 'discard') callback(null, 'Ok: accepted and discarded (paused)');
        else callback(refusal(verdict));
      });
    },
  };
}
