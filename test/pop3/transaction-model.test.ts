import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { storedBytes } from '../helpers/stored-bytes.js';
import { Pop3Dialogue } from './pop3-dialogue.js';

type Command = { name: 'STAT' | 'LIST' | 'UIDL' | 'RSET' | 'NOOP' } | { name: 'LIST' | 'UIDL' | 'RETR' | 'DELE'; n: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constantFrom('STAT', 'LIST', 'UIDL', 'RSET', 'NOOP').map((name) => ({ name }) as Command),
  fc.record({ name: fc.constantFrom('LIST', 'UIDL', 'RETR', 'DELE'), n: fc.integer({ min: 0, max: 7 }) }) as fc.Arbitrary<Command>,
);

/**
 * RFC 1939 §5–§6 as a model: any sequence of TRANSACTION commands, pipelined in one
 * write, gets exactly the replies the model predicts, and QUIT removes exactly the
 * messages still marked.
 */
describe('TRANSACTION state against a model', () => {
  let box: TestSandbox;
  let counter = 0;
  beforeAll(async () => {
    box = await startTestSandbox();
  });
  afterAll(() => box.stop(0));

  it('replies and deletions match the model for any command sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 5 }), fc.array(command, { maxLength: 25 }), async (count, commands) => {
        const login = `model${++counter}@blue.example`;
        const messages = await Promise.all(
          Array.from({ length: count }, (_, i) =>
            box.store.deliver({ raw: Buffer.from(`Subject: ${i}\r\n\r\n${'.'.repeat(i)}body ${i}\r\n`), envelope: { mailFrom: '', rcptTo: [login] } }),
          ),
        );
        const raws = await storedBytes(box.store, messages);
        const deleted = new Set<number>();
        const size = (n: number) => raws[n - 1]?.length ?? 0;
        const live = () => messages.map((_, i) => i + 1).filter((n) => !deleted.has(n));
        const check = (n: number) => (n < 1 || n > count ? `-ERR No such message: ${n}` : deleted.has(n) ? `-ERR Message ${n} is deleted` : undefined);
        const expected: Array<{ status: string; lines?: string[]; body?: Buffer }> = [];
        for (const c of commands) {
          const total = live().reduce((sum, n) => sum + size(n), 0);
          const plural = (k: number) => `${k} message${k === 1 ? '' : 's'} (${total} octets)`;
          if (c.name === 'STAT') expected.push({ status: `+OK ${live().length} ${total}` });
          else if (c.name === 'NOOP') expected.push({ status: '+OK' });
          else if (c.name === 'RSET') {
            deleted.clear();
            const all = raws.reduce((sum, raw) => sum + (raw?.length ?? 0), 0);
            expected.push({ status: `+OK Maildrop has ${count} message${count === 1 ? '' : 's'} (${all} octets)` });
          } else if (!('n' in c)) {
            expected.push(
              c.name === 'LIST'
                ? { status: `+OK ${plural(live().length)}`, lines: live().map((n) => `${n} ${size(n)}`) }
                : { status: '+OK Unique-ID listing follows', lines: live().map((n) => `${n} ${messages[n - 1]?.id}`) },
            );
          } else {
            const refused = check(c.n);
            if (refused) expected.push({ status: refused });
            else if (c.name === 'LIST') expected.push({ status: `+OK ${c.n} ${size(c.n)}` });
            else if (c.name === 'UIDL') expected.push({ status: `+OK ${c.n} ${messages[c.n - 1]?.id}` });
            else if (c.name === 'RETR') expected.push({ status: `+OK ${size(c.n)} octets`, body: raws[c.n - 1] });
            else {
              deleted.add(c.n);
              expected.push({ status: `+OK Message ${c.n} deleted` });
            }
          }
        }

        const pop = await Pop3Dialogue.open(box.port('pop3'));
        await pop.login(login);
        pop.send(commands.map((c) => ('n' in c ? `${c.name} ${c.n}` : c.name) + '\r\n').join(''));
        for (const [i, want] of expected.entries()) {
          const status = await pop.readLine();
          expect(status, `reply to ${JSON.stringify(commands[i])}`).toBe(want.status);
          if (want.lines) expect((await pop.readBody()).toString('latin1')).toBe(want.lines.map((l) => l + '\r\n').join(''));
          if (want.body) expect((await pop.readBody()).equals(want.body)).toBe(true);
        }
        expect(await pop.command('QUIT')).toBe(`+OK Letterbox POP3 server signing off (${deleted.size} message${deleted.size === 1 ? '' : 's'} deleted)`);
        await pop.closed;
        for (const [i, message] of messages.entries()) expect(box.store.get(message.id) === undefined).toBe(deleted.has(i + 1));
        // A POP3 login opens no folders: the address keeps them only while mail is in them (store/folders.ts).
        expect(box.store.hasFolders(login)).toBe(deleted.size < count);
      }),
      { numRuns: 40 },
    );
  });
});
