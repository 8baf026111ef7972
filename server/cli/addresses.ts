import { domainToASCII } from 'node:url';
import { hasUnsafeCharacter, mailboxProblem, printable } from '../security/mailbox.js';

/**
 * The check every address `letterbox sendmail` and `letterbox import` put on a MAIL
 * FROM or RCPT TO line goes through, whether it came from the command line or from a
 * message's header: a mailbox as server/security/mailbox.ts reads one (no control
 * character, no `<`, `>` or space, a local part and a domain name), with a domain
 * written in Unicode (IDN) allowed, as the SMTP front takes it with SMTPUTF8. Anything
 * else is refused, never trimmed: `a@b.test>\r\nRCPT TO:<eve@x.test>` is one bad
 * address, not two good commands.
 */
export function addressProblem(text: string): string | undefined {
  if (hasUnsafeCharacter(text)) return 'it holds a control character';
  const at = text.lastIndexOf('@');
  if (at < 0) return mailboxProblem(text);
  const domain = text.slice(at + 1);
  // domainToASCII gives '' for what is no host name; the original is then quoted back.
  const ascii = /[^\x00-\x7f]/.test(domain) ? domainToASCII(domain) || domain : domain;
  return mailboxProblem(text.slice(0, at + 1) + ascii);
}

/** As addressProblem, for an envelope sender: '' is the null sender (RFC 5321 §4.5.5), and fine. */
export function senderProblem(text: string): string | undefined {
  return text === '' ? undefined : addressProblem(text);
}

/** `"text"` for a message, control characters shown as `\uXXXX`. */
export function quoted(text: string): string {
  return `"${printable(text)}"`;
}

/** The first address of the list that is refused, with why, or undefined when all are fine. */
export function firstBadAddress(addresses: readonly string[]): { address: string; problem: string } | undefined {
  for (const address of addresses) {
    const problem = addressProblem(address);
    if (problem !== undefined) return { address, problem };
  }
  return undefined;
}
