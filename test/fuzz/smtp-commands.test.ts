import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { numbered, queuedId } from '../smtp/fixtures.js';
import { ehlo, type SmtpDialogue } from '../smtp/smtp-dialogue.js';

/**
 * Properties of server/smtp/strict-commands.ts over real sockets: a command line with a
 * control character in it is refused and changes nothing, whatever the command and
 * wherever the character; a MAIL or RCPT parameter that is unknown or malformed is
 * refused with 555 and changes nothing. "Changes nothing" is checked by finishing the
 * transaction afterwards: it must be stored with exactly the envelope set up around
 * the refused line, and no message may name the addresses the refused lines carry.
 */
const SENDER = 'a@red.example';
const RECIPIENT = 'b@blue.example';
const INTRUDER = /evil/;

/** Where the session stands when the line under test is sent. */
type Stage = 'greeted' | 'mail' | 'rcpt';
const stage = fc.constantFrom<Stage>('greeted', 'mail', 'rcpt');

async function reach(smtp: SmtpDialogue, at: Stage): Promise<void> {
  if (at === 'greeted') return;
  expect((await smtp.command(`MAIL FROM:<${SENDER}>`)).code).toBe(250);
  if (at === 'rcpt') expect((await smtp.command(`RCPT TO:<${RECIPIENT}>`)).code).toBe(250);
}

/** Finishes the transaction from `at` and checks it holds only what was set up. */
async function finishUnchanged(box: TestSandbox, smtp: SmtpDialogue, at: Stage): Promise<void> {
  if (at === 'greeted') expect((await smtp.command(`MAIL FROM:<${SENDER}>`)).code).toBe(250);
  if (at !== 'rcpt') expect((await smtp.command(`RCPT TO:<${RECIPIENT}>`)).code).toBe(250);
  expect((await smtp.command('DATA')).code).toBe(354);
  smtp.write(Buffer.concat([numbered(1), Buffer.from('.\r\n')]));
  const sent = await smtp.reply();
  expect(sent.code).toBe(250);
  expect(box.store.get(queuedId(sent.text))?.envelope).toEqual({ mailFrom: SENDER, rcptTo: [RECIPIENT] });
}

describe('SMTP strict command lines, as properties', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    // Every parameter-bearing extension offered: SIZE, 8BITMIME, SMTPUTF8 and AUTH.
    box = await startTestSandbox({ smtpMaxSize: 1_000_000, smtpAuthAcceptAny: true });
  });
  afterAll(() => box.stop(0));

  async function session<T>(run: (smtp: SmtpDialogue) => Promise<T>): Promise<T> {
    const { smtp } = await ehlo(box.port('smtp'));
    try {
      return await run(smtp);
    } finally {
      smtp.destroy();
    }
  }

  const noIntruderStored = () => expect(box.store.messages().some((m) => INTRUDER.test(m.envelope.mailFrom + m.envelope.rcptTo.join()))).toBe(false);

  // Lines each of which some state would answer 2xx or 3xx; QUIT and DATA among them.
  const validLine = fc.constantFrom(
    'MAIL FROM:<evil@red.example>',
    'MAIL FROM:<evil@red.example> SIZE=100 BODY=8BITMIME',
    'RCPT TO:<evil@blue.example>',
    'DATA',
    'NOOP',
    'RSET',
    'QUIT',
    'HELP',
    'VRFY evil@blue.example',
    'EHLO evil.example',
    'HELO evil.example',
    'AUTH LOGIN',
    `AUTH PLAIN ${Buffer.from('\0evil\0secret').toString('base64')}`,
  );
  // C0 controls and DEL, but LF: a bare LF ends a command line (strict-commands.ts says why).
  const control = fc.integer({ min: 0, max: 32 }).map((n) => String.fromCharCode(n === 32 ? 0x7f : n)).filter((c) => c !== '\n');
  const corrupted = fc
    .tuple(validLine, fc.array(fc.tuple(fc.nat(), control), { minLength: 1, maxLength: 3 }))
    .map(([line, injections]) => {
      let out = line;
      for (const [at, c] of injections) {
        const i = at % (out.length + 1);
        out = out.slice(0, i) + c + out.slice(i);
      }
      return out;
    });

  test.prop([corrupted, stage], { numRuns: 150 })('a line with a control character gets 501 5.5.2 and changes nothing', async (line, at) => {
    await session(async (smtp) => {
      await reach(smtp, at);
      const reply = await smtp.command(line);
      expect(reply.code, JSON.stringify(line)).toBe(501);
      expect(reply.lines[0]).toMatch(/^5\.5\.2 /);
      await finishUnchanged(box, smtp, at);
    });
    noIntruderStored();
  });

  const KNOWN = new Set(['SIZE', 'BODY', 'SMTPUTF8', 'AUTH']);
  const keyword = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,15}$/).filter((k) => !KNOWN.has(k.toUpperCase()));
  const value = fc.stringMatching(/^[!-~]{1,20}$/);
  const unknownParameter = fc.tuple(keyword, fc.option(value, { nil: undefined })).map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
  const malformedKnown = fc.oneof(
    fc.stringMatching(/^[!-~]{0,24}$/).filter((v) => !/^\d{1,20}$/.test(v)).map((v) => `SIZE=${v}`),
    fc.stringMatching(/^[!-~]{0,12}$/).filter((v) => !/^(7BIT|8BITMIME)$/i.test(v)).map((v) => `BODY=${v}`),
    fc.stringMatching(/^[!-~]{0,12}$/).map((v) => `SMTPUTF8=${v}`),
    fc.constantFrom('SIZE', 'BODY', 'AUTH', 'AUTH=', 'AUTH=a+zz', '=', '=x', '-X=1'),
  );
  const goodMail = fc.subarray(['SIZE=10', 'BODY=8BITMIME', 'SMTPUTF8', 'AUTH=<>']);
  const refusedParameter = fc.oneof(unknownParameter, malformedKnown);

  test.prop([goodMail, refusedParameter, fc.nat()], { numRuns: 100 })('MAIL with an unknown or malformed parameter gets 555 and changes nothing', async (good, bad, position) => {
    const parameters = [...good];
    parameters.splice(position % (parameters.length + 1), 0, bad);
    await session(async (smtp) => {
      const reply = await smtp.command(`MAIL FROM:<evil@red.example> ${parameters.join(' ')}`);
      expect(reply.code, parameters.join(' ')).toBe(555);
      expect(reply.lines[0]).toMatch(/^5\.5\.4 /);
      await finishUnchanged(box, smtp, 'greeted');
    });
    noIntruderStored();
  });

  test.prop([fc.oneof(refusedParameter, fc.constantFrom('NOTIFY=SUCCESS', 'ORCPT=rfc822;x@y', 'SIZE=10', 'SMTPUTF8'))], { numRuns: 60 })(
    'RCPT with any parameter gets 555 (none is offered) and adds no recipient',
    async (bad) => {
      await session(async (smtp) => {
        await reach(smtp, 'rcpt');
        const reply = await smtp.command(`RCPT TO:<evil@blue.example> ${bad}`);
        expect(reply.code, bad).toBe(555);
        await finishUnchanged(box, smtp, 'rcpt');
      });
      noIntruderStored();
    },
  );
});
