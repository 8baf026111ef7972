/**
 * The mailbox check release uses (security/mailbox.ts) and the SMTP front's reading of
 * RCPT TO (smtp-server's strict parser) agree where it matters: every address release
 * would send is one the SMTP front takes, and every address with a control character
 * is refused by both. Random addresses, over a real SMTP socket.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { hasUnsafeCharacter, isMailbox } from '../../server/security/mailbox.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { SmtpDialogue } from '../helpers/smtp-dialogue.js';

const join = (parts: string[]) => parts.join('');
/** Mostly clean, so a good share is a mailbox; sometimes a special or a space. */
const localPart = fc
  .array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom('a', 'B', '0', '-', '_', '+', 'é') }, { weight: 1, arbitrary: fc.constant('.') }, { weight: 1, arbitrary: fc.constantFrom(' ', '"', '(', ',', ':', '[', '\\') }), { minLength: 1, maxLength: 8 })
  .map(join);
const label = fc.array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom('a', 'z', '0') }, { weight: 1, arbitrary: fc.constantFrom('-', '_') }), { minLength: 1, maxLength: 6 }).map(join);
const CONTROL = fc.constantFrom('\0', '\x01', '\t', '\x0b', '\x1b', '\x7f', '\x85', '\x9f', '\u200b', '\u2060', '\ufeff');
/** Half the addresses get a control character put somewhere in them. */
const address = fc
  .tuple(localPart, fc.array(label, { minLength: 1, maxLength: 3 }), fc.option(fc.tuple(fc.nat(), CONTROL), { freq: 2 }))
  .map(([local, labels, poison]) => {
    const clean = `${local}@${labels.join('.')}`;
    if (!poison) return clean;
    const at = poison[0] % (clean.length + 1);
    return clean.slice(0, at) + poison[1] + clean.slice(at);
  });

let box: TestSandbox;

beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(async () => {
  await box.stop(0);
});

describe('release and the SMTP front read addresses alike', () => {
  test.prop([address], { numRuns: 300 })('what release would send the SMTP front takes; a control character is refused by both', async (candidate) => {
    // A session per address: neither the recipient cap nor the front's count of bad
    // command lines (ten close a session) may answer instead of the address check.
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    await smtp.expect('MAIL FROM:<alice@red.com>', 250);
    const reply = await smtp.command(`RCPT TO:<${candidate}>`);
    smtp.close();
    if (isMailbox(candidate)) expect(reply.code, reply.lines.join(' ')).toBe(250);
    if (hasUnsafeCharacter(candidate)) {
      expect(isMailbox(candidate)).toBe(false);
      // 501 for the address itself; 555 where the character splits the line so that
      // the rest reads as an unknown RCPT parameter (RFC 5321 §4.1.1.11).
      expect([501, 555], reply.lines.join(' ')).toContain(reply.code);
    }
  });
});
