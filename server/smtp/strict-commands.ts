import { isUtf8 } from 'node:buffer';
import type { SMTPServer } from 'smtp-server';
import { refusedParameter, type OfferedExtensions } from './esmtp-parameters.js';
import { onEachConnection, type ConnectionInternals } from './smtp-internals.js';

/** smtp-server closes a session at its tenth unrecognised command; bad lines count the same. */
const MOST_BAD_LINES = 10;
const DEL = 0x7f;
const SP = 0x20;

/**
 * Command lines are checked here before smtp-server acts on them, because it takes them
 * loosely: its parser ends a line at LF and keeps a bare CR, NUL or any other control
 * character inside it; its MAIL and RCPT parsers split on any white space, so
 * `MAIL FROM:<a@x>\rRCPT TO:<y@z>` is a MAIL with two ignored parameters, and they
 * accept any parameter they do not know, silently.
 *
 * - A command line (AUTH continuation lines included) holding a control character gets
 *   `501 5.5.2` and changes nothing. RFC 5321 §2.3.8 allows CR and LF only as the line's
 *   end, and §4.1.1 separates a command's words with SP alone: HTAB is refused too
 *   (smtp-server itself answers 500 to `MAIL<HTAB>FROM:`, so no working client sends it).
 *   A line ended by a bare LF is still a line, as in Postfix: people type SMTP by hand
 *   with `nc`. Message content never passes through here (DATA is read by the parser's
 *   data mode, and CHUNKING/BDAT is not offered), so its bytes stay as sent.
 * - A command line that is not UTF-8 gets `501 5.5.2` too: smtp-server would read its
 *   bad bytes as U+FFFD and store an envelope address other than the one sent (RFC 6531
 *   §3.3 takes UTF-8 in a path; no other encoding has a place in a command).
 * - A MAIL or RCPT parameter that is unknown, not offered in EHLO's reply or malformed gets
 *   `555 5.5.4` (RFC 5321 §4.1.1.11, server/smtp/esmtp-parameters.ts).
 * - A path whose quoted local part holds a space gets `553`, said as such (see below).
 */
export function strictCommands(smtp: SMTPServer): void {
  const offered = offeredExtensions(smtp);
  const enhanced = !smtp.options.hideENHANCEDSTATUSCODES;
  onEachConnection(smtp, (connection) => {
    const onCommand = connection._onCommand.bind(connection);
    connection._onCommand = (command, next) => {
      const wrong = wrongByte(command);
      // Before the greeting and during a TLS handshake smtp-server's own rules come first
      // (421 to an early talker; lines read mid-handshake are dropped unanswered).
      if (!wrong || !connection._ready || connection._upgrading) return onCommand(command, next);
      refuseLine(connection, wrong, enhanced, next);
    };
    for (const verb of ['MAIL', 'RCPT'] as const) {
      const handler = connection[`handler_${verb}`].bind(connection);
      connection[`handler_${verb}`] = (command, done) => {
        if (hasQuotedSpace(command.toString())) {
          // RFC 5321 §4.1.2 allows `<"john smith"@x.org>`, but smtp-server splits a path at
          // white space and would answer as if `smith"@x.org>` were a parameter: said as it is.
          // X.1.7 / X.1.3: the sender's / a recipient's address (RFC 3463).
          const text = 'A quoted local part holding a space is not supported here';
          connection.send(553, enhanced ? `5.1.${verb === 'MAIL' ? 7 : 3} ${text}` : text, false);
          return done();
        }
        // HELO's reply offers no extension (RFC 5321 §4.1.1.1), so no parameter either.
        const refusal = refusedParameter(verb, command.toString(), connection.session.openingCommand === 'HELO' ? NOTHING_OFFERED : offered);
        if (refusal === undefined) return handler(command, done);
        connection.send(555, refusal);
        done();
      };
    }
  });
}

/** A path whose local part is a quoted string (RFC 5321 §4.1.2 Quoted-string): `:<"…"@`. */
const QUOTED_LOCAL_PART = /^[^:]*:\s*<(?:@[^:<>]*:)?"((?:[^"\\]|\\.)*)"@/;
const hasQuotedSpace = (line: string) => /[ \t]/.test(QUOTED_LOCAL_PART.exec(line)?.[1] ?? '');

const NOTHING_OFFERED: OfferedExtensions = { size: false, eightBitMime: false, smtpUtf8: false, auth: false };

/** The extensions whose parameters handler_EHLO offers, from the same options it reads. */
function offeredExtensions(smtp: SMTPServer): OfferedExtensions {
  const options = smtp.options;
  return {
    size: Boolean(options.size),
    eightBitMime: !options.hide8BITMIME,
    smtpUtf8: !options.hideSMTPUTF8,
    // EHLO stops listing AUTH once the client has logged in; AUTH= stays a parameter.
    auth: options.authMethods.length > 0 && !options.disabledCommands.includes('AUTH'),
  };
}

/** What is wrong with a command line, said for its 501: a control character (C0 or DEL), or bytes that are not UTF-8. */
function wrongByte(line: Buffer): string | undefined {
  let eightBit = false;
  for (let i = 0; i < line.length; i++) {
    const byte = line[i] as number;
    if (byte < SP || byte === DEL) return `control character 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at column ${i + 1} of the command line`;
    if (byte >= 0x80) eightBit = true;
  }
  return eightBit && !isUtf8(line) ? 'the command line is not UTF-8 (RFC 6531 section 3.3)' : undefined;
}

function refuseLine(connection: ConnectionInternals, wrong: string, enhanced: boolean, next: (() => void) | undefined): void {
  // A line of an AUTH exchange that cannot be decoded ends the exchange (RFC 4954 §4).
  connection._nextHandler = false;
  if (++connection._unrecognizedCommands >= MOST_BAD_LINES) {
    return connection.send(421, 'Error: too many bad command lines, closing connection');
  }
  // RFC 3463 X.5.2: a command that could not be interpreted. The code is written here
  // because smtp-server would add X.5.4 (bad arguments) to any 501 of its own.
  const text = `Syntax error: ${wrong}`;
  connection.send(501, enhanced ? `5.5.2 ${text}` : text, false);
  connection._whenWritable(next ?? (() => undefined));
}
