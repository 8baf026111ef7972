import type { SMTPServerAuthentication, SMTPServerOptions } from 'smtp-server';
import type { Logger } from '../lib/log.js';
import type { InboxDirectory } from '../inboxes/types.js';
import type { Credentials } from '../security/auth-file.js';

/**
 * With --inboxes, SMTP AUTH names an inbox: the credentials are the inboxes' `smtp`
 * entries and those of inboxes made through the API. Their secrets may be hashed, so
 * CRAM-MD5, which needs the password itself, is not answered for them.
 */
export function inboxCredentials(directory: InboxDirectory): Credentials {
  return { verify: (user, password) => directory.smtpSignIn(user, password), plainSecret: () => undefined, answersChallenges: false, users: 0 };
}

/**
 * SMTP AUTH (RFC 4954) for PLAIN, LOGIN and CRAM-MD5: any credentials when there is no
 * auth file, else only those in it. A wrong password is 535 (RFC 4954 §6); smtp-server
 * answers 530 to MAIL/RCPT/DATA before AUTH when AUTH is required.
 */
export function makeOnAuth(credentials: Credentials | null, log: Logger, onRefused: () => void): NonNullable<SMTPServerOptions['onAuth']> {
  const authenticate = async (auth: SMTPServerAuthentication): Promise<boolean> => {
    if (!credentials) return true;
    const user = auth.username ?? '';
    if (auth.method === 'CRAM-MD5') {
      // A challenge-response needs the password itself: only plain secrets can answer.
      const secret = credentials.plainSecret(user);
      return secret !== undefined && auth.validatePassword(secret);
    }
    return credentials.verify(user, auth.password ?? '');
  };

  return (auth, session, callback) => {
    // RFC 4616 §2: acting for another user (an authzid other than the authcid) is not
    // supported, as in IMAP and POP3; signing in as the authcid instead would record a
    // sender other than the one the client asked to be. (smtp-server takes an authzid
    // given with no authcid as the user: that one is the same.)
    if (auth.method === 'PLAIN' && auth.authzid && auth.authzid !== auth.username) {
      log.info('authentication refused', { client: session.remoteAddress, user: auth.username, authzid: auth.authzid, method: auth.method });
      onRefused();
      return callback(null, { message: 'Cannot act as another user', responseCode: 535 });
    }
    authenticate(auth).then(
      (ok) => {
        if (ok) return callback(null, { user: auth.username ?? '' });
        log.info('authentication failed', { client: session.remoteAddress, user: auth.username, method: auth.method });
        onRefused();
        callback(null, { message: 'Authentication credentials invalid', responseCode: 535 });
      },
      (error: unknown) => {
        log.error('authentication check failed', { error });
        callback(Object.assign(new Error('Temporary authentication failure'), { responseCode: 454 }));
      },
    );
  };
}
