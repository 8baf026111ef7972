import type { SMTPServer } from 'smtp-server';
import { eachParser, onEachConnection } from './smtp-internals.js';

/**
 * After a message's reply, smtp-server's parser resumes the commands pipelined behind
 * it (RFC 2920) with `continue()`, which runs the saved continuation and only then
 * clears it. When every handler answers at once, that run can reach the end of the
 * next message and save the continuation for what follows it, which the clearing then
 * throws away: the session stalls with its last commands unanswered. This `continue()`
 * takes the continuation first, then runs it.
 */
export function resumeInOrder(smtp: SMTPServer): void {
  onEachConnection(smtp, (connection) =>
    eachParser(connection, (parser) => {
      parser.continue = () => {
        const resume = parser._continueCallback;
        if (typeof resume === 'function') {
          parser._continueCallback = false;
          resume();
        } else {
          parser._continueCallback = true;
        }
      };
    }),
  );
}
