import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEN, type StoredMessage } from '../../server/store/types.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf, storedBytes } from '../helpers/stored-bytes.js';
import { Pop3Dialogue } from './pop3-dialogue.js';

/**
 * Every command in every state, as scripted dialogues over a real socket
 * (RFC 1939 §4–§7, RFC 2449). Each test logs in as its own address so tests
 * cannot see each other's mail or locks.
 */
describe('POP3 dialogue', () => {
  let box: TestSandbox;
  let port: number;
  let counter = 0;

  beforeAll(async () => {
    box = await startTestSandbox();
    port = box.port('pop3');
  });
  afterAll(() => box.stop(0));

  /** A fresh login with `count` messages addressed to it. */
  async function mailbox(count: number, body = (n: number) => `Body of message ${n}\r\n`): Promise<{ login: string; messages: StoredMessage[] }> {
    const login = `user${++counter}@blue.example`;
    const messages: StoredMessage[] = [];
    for (let n = 1; n <= count; n++) {
      const raw = Buffer.from(`From: a@red.example\r\nTo: ${login}\r\nSubject: m${n}\r\n\r\n${body(n)}`);
      messages.push(await box.store.deliver({ raw, envelope: { mailFrom: 'a@red.example', rcptTo: [login] } }));
    }
    return { login, messages };
  }

  async function session(count: number, body?: (n: number) => string) {
    const { login, messages } = await mailbox(count, body);
    const pop = await Pop3Dialogue.open(port);
    await pop.login(login);
    return { pop, login, messages };
  }

  it('greets with an APOP timestamp and answers CAPA before login', async () => {
    const pop = await Pop3Dialogue.open(port);
    expect(pop.greeting).toMatch(/^\+OK .*<\d+\.[0-9a-f]+@[^>]+>$/);
    const capa = await pop.multiline('CAPA');
    expect(capa.status).toBe('+OK Capability list follows');
    expect(capa.lines).toEqual(['TOP', 'USER', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'SASL PLAIN LOGIN', 'EXPIRE NEVER', 'IMPLEMENTATION Letterbox']);
    expect(await pop.command('QUIT')).toBe('+OK Letterbox POP3 server signing off');
    await pop.closed;
  });

  it('refuses TRANSACTION commands in AUTHORIZATION, and keeps the connection', async () => {
    const pop = await Pop3Dialogue.open(port);
    for (const command of ['STAT', 'LIST', 'LIST 1', 'RETR 1', 'DELE 1', 'NOOP', 'RSET', 'TOP 1 1', 'UIDL']) {
      const name = command.split(' ')[0];
      expect(await pop.command(command)).toBe(`-ERR ${name} is not valid in this state`);
    }
    expect(await pop.command('PASS secret')).toBe('-ERR Send USER first');
    expect(await pop.command('USER')).toBe('-ERR USER needs a name');
    expect(await pop.command('FOO bar')).toBe('-ERR Unknown command: FOO');
    expect(await pop.command('')).toBe('-ERR Unknown command');
    expect(pop.isClosed).toBe(false);
    pop.close();
  });

  it('refuses AUTHORIZATION commands in TRANSACTION', async () => {
    const { pop } = await session(1);
    expect(await pop.command('USER x@y.z')).toBe('-ERR USER is not valid in this state');
    expect(await pop.command('PASS x')).toBe('-ERR PASS is not valid in this state');
    expect(await pop.command('APOP x 0123456789abcdef0123456789abcdef')).toBe('-ERR APOP is not valid in this state');
    expect(await pop.command('AUTH PLAIN')).toBe('-ERR AUTH is not valid in this state');
    expect(await pop.command('STLS')).toBe('-ERR STLS is not valid in this state');
    // CAPA lists the same capabilities in both states (RFC 2449 §5).
    expect((await pop.multiline('CAPA')).lines).toContain('USER');
    pop.close();
  });

  it('STAT, LIST and LIST n report the sizes RETR sends', async () => {
    const { pop, messages } = await session(3, (n) => 'x'.repeat(n * 10) + '\r\n');
    const sizes = (await storedBytes(box.store, messages)).map((raw) => raw?.length ?? 0);
    expect(await pop.command('STAT')).toBe(`+OK 3 ${sizes.reduce((a, b) => a + b)}`);
    const list = await pop.multiline('LIST');
    expect(list.status).toBe(`+OK 3 messages (${sizes.reduce((a, b) => a + b)} octets)`);
    expect(list.lines).toEqual(sizes.map((size, i) => `${i + 1} ${size}`));
    expect(await pop.command('LIST 2')).toBe(`+OK 2 ${sizes[1]}`);
    for (const [i, message] of messages.entries()) {
      const retr = await pop.multiline(`RETR ${i + 1}`);
      expect(retr.status).toBe(`+OK ${sizes[i]} octets`);
      expect(retr.body).toEqual(await bytesOf(box.store, message));
    }
    pop.close();
  });

  it('answers bad message numbers and arguments with -ERR and stays usable', async () => {
    const { pop } = await session(2);
    expect(await pop.command('RETR 0')).toBe('-ERR No such message: 0');
    expect(await pop.command('RETR 99999')).toBe('-ERR No such message: 99999');
    expect(await pop.command('RETR')).toBe('-ERR Expected one message number');
    expect(await pop.command('RETR 1 2')).toBe('-ERR Expected one message number');
    expect(await pop.command('LIST abc')).toBe('-ERR Invalid message number');
    expect(await pop.command('LIST 1 2')).toBe('-ERR Expected at most one message number');
    expect(await pop.command('LIST -1')).toBe('-ERR Invalid message number');
    expect(await pop.command('LIST 3')).toBe('-ERR No such message: 3');
    expect(await pop.command('TOP 1 -1')).toBe('-ERR The line count must be a non-negative number');
    expect(await pop.command('TOP 1')).toBe('-ERR TOP needs a message number and a line count');
    expect(await pop.command('TOP x 1')).toBe('-ERR Invalid message number');
    expect(await pop.command('DELE 12345678901')).toBe('-ERR Invalid message number');
    expect(await pop.command('UIDL 9')).toBe('-ERR No such message: 9');
    expect(await pop.command('STAT 1')).toBe('-ERR STAT takes no arguments');
    expect(await pop.command('NOOP x')).toBe('-ERR NOOP takes no arguments');
    expect(await pop.command('NOOP')).toBe('+OK');
    expect(await pop.command('STAT')).toMatch(/^\+OK 2 \d+$/);
    pop.close();
  });

  it('DELE marks, hides the message, refuses it twice; RSET unmarks', async () => {
    const { pop, messages } = await session(3);
    expect(await pop.command('DELE 2')).toBe('+OK Message 2 deleted');
    expect(await pop.command('DELE 2')).toBe('-ERR Message 2 is deleted');
    expect(await pop.command('RETR 2')).toBe('-ERR Message 2 is deleted');
    expect(await pop.command('LIST 2')).toBe('-ERR Message 2 is deleted');
    expect(await pop.command('TOP 2 0')).toBe('-ERR Message 2 is deleted');
    expect(await pop.command('UIDL 2')).toBe('-ERR Message 2 is deleted');
    const sizes = (await storedBytes(box.store, messages)).map((raw) => raw?.length ?? 0);
    const size = (i: number) => sizes[i] ?? 0;
    expect(await pop.command('STAT')).toBe(`+OK 2 ${size(0) + size(2)}`);
    // Message numbers stay the same for the session (RFC 1939 §5).
    expect((await pop.multiline('LIST')).lines).toEqual([`1 ${size(0)}`, `3 ${size(2)}`]);
    expect((await pop.multiline('UIDL')).lines).toEqual([`1 ${messages[0]?.id}`, `3 ${messages[2]?.id}`]);
    expect(await pop.command('RSET')).toBe(`+OK Maildrop has 3 messages (${size(0) + size(1) + size(2)} octets)`);
    expect(await pop.command('LIST 2')).toBe(`+OK 2 ${size(1)}`);
    pop.close();
  });

  it('QUIT from TRANSACTION removes what was marked, and only that', async () => {
    const { pop, login, messages } = await session(3);
    await pop.command('DELE 1');
    await pop.command('DELE 3');
    expect(await pop.command('QUIT')).toBe('+OK Letterbox POP3 server signing off (2 messages deleted)');
    await pop.closed;
    expect(box.store.get(messages[0]?.id ?? '')).toBeUndefined();
    expect(box.store.get(messages[1]?.id ?? '')).toBeDefined();
    expect(box.store.get(messages[2]?.id ?? '')).toBeUndefined();
    const again = await Pop3Dialogue.open(port);
    expect(await again.login(login)).toBe(`+OK Maildrop has 1 message (${(await bytesOf(box.store, messages[1]))?.length} octets)`);
    expect((await again.multiline('UIDL')).lines).toEqual([`1 ${messages[1]?.id}`]);
    again.close();
  });

  it('a dropped connection removes nothing and frees the maildrop', async () => {
    const { pop, login, messages } = await session(2);
    await pop.command('DELE 1');
    await pop.command('DELE 2');
    pop.close();
    await pop.closed;
    // Once the server has seen the close, the maildrop can be opened again, whole.
    const again = await Pop3Dialogue.open(port);
    expect(await again.command(`USER ${login}`)).toBe('+OK Send PASS');
    let reply = await again.command('PASS x');
    while (reply.startsWith('-ERR [IN-USE]')) {
      // The server may not have handled the close yet; the next attempt follows its reply, not a timer.
      await again.command(`USER ${login}`);
      reply = await again.command('PASS x');
    }
    expect(reply).toMatch(/^\+OK Maildrop has 2 messages/);
    for (const message of messages) expect(box.store.get(message.id)).toBeDefined();
    again.close();
  });

  it('UIDL gives each message a unique id that stays the same across sessions', async () => {
    const { pop, login, messages } = await session(3);
    const first = await pop.multiline('UIDL');
    expect(first.status).toBe('+OK Unique-ID listing follows');
    expect(first.lines).toEqual(messages.map((m, i) => `${i + 1} ${m.id}`));
    expect(new Set(first.lines.map((l) => l.split(' ')[1])).size).toBe(3);
    for (const line of first.lines) expect(line.split(' ')[1]).toMatch(/^[\x21-\x7e]{1,70}$/);
    expect(await pop.command('UIDL 3')).toBe(`+OK 3 ${messages[2]?.id}`);
    await pop.command('DELE 1');
    await pop.command('QUIT');
    const again = await Pop3Dialogue.open(port);
    await again.login(login);
    expect((await again.multiline('UIDL')).lines).toEqual([`1 ${messages[1]?.id}`, `2 ${messages[2]?.id}`]);
    again.close();
  });

  it('TOP sends the header, the blank line and n body lines, byte-stuffed', async () => {
    const { pop, messages } = await session(1, () => 'one\r\n.two\r\nthree\r\n');
    const top0 = await pop.multiline('TOP 1 0');
    expect(top0.status).toBe('+OK Top of message follows');
    const raw = (await bytesOf(box.store, messages[0]))?.toString('latin1') ?? '';
    const header = raw.slice(0, raw.indexOf('\r\n\r\n') + 4);
    expect(top0.body.toString('latin1')).toBe(header);
    expect((await pop.multiline('TOP 1 2')).body.toString('latin1')).toBe(header + 'one\r\n.two\r\n');
    expect((await pop.multiline('TOP 1 99')).body.toString('latin1')).toBe(raw);
    pop.close();
  });

  it('stored mail with bare LF goes out as CRLF, and LIST counts exactly what RETR delivers', async () => {
    const login = `bare${++counter}@blue.example`;
    const raw = Buffer.from('Subject: bare LF\n\n.first\nsecond\r\nno final newline');
    box.store.deliver({ raw, envelope: { mailFrom: '', rcptTo: [login] } });
    const pop = await Pop3Dialogue.open(port);
    await pop.login(login);
    const expected = 'Subject: bare LF\r\n\r\n.first\r\nsecond\r\nno final newline\r\n';
    expect(await pop.command('LIST 1')).toBe(`+OK 1 ${expected.length}`);
    expect(await pop.command('STAT')).toBe(`+OK 1 ${expected.length}`);
    const retr = await pop.multiline('RETR 1');
    expect(retr.status).toBe(`+OK ${expected.length} octets`);
    expect(retr.body.toString()).toBe(expected);
    expect((await pop.multiline('TOP 1 1')).body.toString()).toBe('Subject: bare LF\r\n\r\n.first\r\n');
    pop.close();
  });

  it('RETR leaves the message unread; TOP too', async () => {
    const { pop, messages } = await session(1);
    await pop.multiline('RETR 1');
    await pop.multiline('TOP 1 1');
    expect(box.store.get(messages[0]?.id ?? '')?.flags.has(SEEN)).toBe(false);
    pop.close();
  });

  it('answers -ERR for a message removed elsewhere after login, never wrong data', async () => {
    const { pop, login, messages } = await session(2);
    await box.store.remove([messages[0]?.id ?? '']);
    expect(await pop.command('RETR 1')).toBe('-ERR Message 1 was removed from the server');
    expect(await pop.command('DELE 1')).toBe('-ERR Message 1 was removed from the server');
    const size = (await bytesOf(box.store, messages[1]))?.length;
    expect(await pop.command('STAT')).toBe(`+OK 1 ${size}`);
    expect((await pop.multiline('LIST')).lines).toEqual([`2 ${size}`]);
    // Mail that arrives after login is not in this session's snapshot (RFC 1939 §8).
    box.store.deliver({ raw: Buffer.from('Subject: late\r\n\r\nlate\r\n'), envelope: { mailFrom: '', rcptTo: [login] } });
    expect(await pop.command('RETR 3')).toBe('-ERR No such message: 3');
    pop.close();
  });

  it('an empty maildrop, and a login that has never received mail', async () => {
    const pop = await Pop3Dialogue.open(port);
    expect(await pop.login('nobody-yet@blue.example')).toBe('+OK Maildrop has 0 messages (0 octets)');
    expect(await pop.command('STAT')).toBe('+OK 0 0');
    expect((await pop.multiline('LIST')).lines).toEqual([]);
    expect(await pop.command('RETR 1')).toBe('-ERR No such message: 1');
    expect(await pop.command('QUIT')).toBe('+OK Letterbox POP3 server signing off (0 messages deleted)');
  });

  it('keywords are case-insensitive', async () => {
    const { pop } = await session(1);
    expect(await pop.command('stat')).toMatch(/^\+OK 1 \d+$/);
    expect(await pop.command('Noop')).toBe('+OK');
    pop.close();
  });
});
