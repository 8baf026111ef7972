import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { LineReader, type LineEvent } from '../../server/lib/line-reader.js';
import { deliver } from '../imap/fixtures.js';
import { Pop3Dialogue } from '../pop3/pop3-dialogue.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { storedBytes } from '../helpers/stored-bytes.js';

describe('POP3 line framing: any split of the stream gives the same lines', () => {
  function events(chunks: Buffer[], max: number): LineEvent[] {
    const reader = new LineReader(max);
    const out: LineEvent[] = [];
    for (const chunk of chunks) {
      reader.push(chunk);
      for (let e = reader.next(); e; e = reader.next()) out.push(e);
    }
    return out;
  }

  test.prop([fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 1, max: 64 })], { numRuns: 1500 })(
    'lines and over-long events do not depend on where the chunks break',
    (bytes, cuts, max) => {
      const stream = Buffer.from(bytes);
      const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let from = 0;
      for (const cut of [...at, stream.length]) {
        chunks.push(stream.subarray(from, cut));
        from = cut;
      }
      // An over-long line is reported as soon as it passes the cap, with the octets seen so
      // far: that count depends on the chunks, whether and where it is reported does not.
      const shape = (list: LineEvent[]) => list.map((e) => (e.kind === 'line' ? e : { kind: e.kind, passedCap: e.length > max }));
      const whole = events([stream], max);
      expect(shape(events(chunks, max))).toEqual(shape(whole));
      for (const e of whole) if (e.kind === 'line') expect(e.line.length).toBeLessThanOrEqual(max);
      else expect(e.length).toBeGreaterThan(max);
    },
  );
});

/**
 * Commands built from RFC 1939 / 2449 / 5034 pieces and noise, sent to a running server.
 * After each, a NOOP must be answered `+OK` — so the fuzzed command got exactly the reply
 * its shape calls for (one line, or a dot-terminated body) and the session is in step —
 * and nothing may be answered with the "Internal server error" reserved for bugs.
 */
describe('POP3 commands over a socket: no input makes the server fail', () => {
  let box: TestSandbox;

  beforeAll(async () => {
    // A high bad-command cap so the fuzzer is not disconnected for being the fuzzer.
    box = await startTestSandbox({ pop3MaxBadCommands: 1_000_000 });
    for (let i = 0; i < 4; i++) deliver(box.store, `Fuzz ${i}`, { to: 'fuzz@blue.com', body: `.\r\n..x\r\nline ${i}\r\n` });
  });
  afterAll(async () => {
    await box?.stop(0);
  });

  const arg = fc.oneof(
    fc.constantFrom('1', '2', '4', '5', '0', '-1', '+1', '1.5', '4294967296', '99999999999999999999', '0x1', '', ' ', 'x', 'PLAIN', 'LOGIN', '*', '=', 'AGFAYgBj'),
    fc.string({ maxLength: 10 }).map((s) => s.replace(/[\r\n]/g, '')),
    fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('latin1').replace(/[\r\n]/g, '')),
  );
  // QUIT, STLS and AUTH change the dialogue (update state, TLS, SASL turns): covered by their own tests.
  const verb = fc.constantFrom('STAT', 'LIST', 'RETR', 'TOP', 'DELE', 'NOOP', 'RSET', 'UIDL', 'CAPA', 'USER', 'PASS', 'APOP', 'XTND', 'list', 'Retr', 'UIDLX', '');
  const command = fc.tuple(verb, fc.array(arg, { maxLength: 3 }), fc.constantFrom(' ', '  ', '\t')).map(([v, args, sep]) => ({ verb: v.toUpperCase(), args, line: [v, ...args].join(sep) }));

  function isMultiline(verb: string, args: string[], status: string): boolean {
    if (!status.startsWith('+OK')) return false;
    if (verb === 'CAPA' || verb === 'RETR' || verb === 'TOP') return true;
    return (verb === 'LIST' || verb === 'UIDL') && args.every((a) => a.trim() === '');
  }

  test.prop([fc.array(command, { minLength: 1, maxLength: 12 })], { numRuns: 80 })('in the TRANSACTION state', async (commands) => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    try {
      await pop.login('fuzz@blue.com');
      for (const c of commands) {
        const status = await pop.command(c.line);
        expect(status).toMatch(/^(\+OK|-ERR)/);
        expect(status).not.toMatch(/Internal server error/);
        if (isMultiline(c.verb, c.args, status)) await pop.readBody();
        expect(await pop.command('NOOP')).toMatch(/^\+OK/);
      }
      // RSET, so DELEs of this run are not applied: every run starts from the same maildrop.
      expect(await pop.command('RSET')).toMatch(/^\+OK/);
    } finally {
      // Wait for the server to see the close, so the next run's login finds the maildrop unlocked.
      pop.close();
      await pop.closed;
    }
  });

  test.prop([fc.array(command, { minLength: 1, maxLength: 12 })], { numRuns: 80 })('in the AUTHORIZATION state', async (commands) => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    try {
      for (const c of commands) {
        const status = await pop.command(c.line);
        expect(status).toMatch(/^(\+OK|-ERR)/);
        expect(status).not.toMatch(/Internal server error/);
        if (isMultiline(c.verb, c.args, status)) await pop.readBody();
      }
      // In step whatever state the commands left: CAPA is valid in both.
      const capa = await pop.multiline('CAPA');
      expect(capa.status).toMatch(/^\+OK/);
      expect(capa.lines).toContain('UIDL');
    } finally {
      // Wait for the server to see the close, so the next run's login finds the maildrop unlocked.
      pop.close();
      await pop.closed;
    }
  });

  test('the maildrop is as it was: four messages, byte for byte', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    await pop.login('fuzz@blue.com');
    expect(await pop.command('STAT')).toMatch(/^\+OK 4 /);
    const retr = await pop.multiline('RETR 1');
    expect(retr.body.equals((await storedBytes(box.store)).find((raw) => raw?.includes('Fuzz 0')) ?? Buffer.alloc(1))).toBe(true);
    await pop.command('QUIT');
    pop.close();
  });
});
