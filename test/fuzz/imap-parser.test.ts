import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { canQuote, astring, outputBytes, string as imapString } from '../../server/imap/encode.js';
import { readFetchRequest } from '../../server/imap/fetch-items.js';
import { Framer, type Frame } from '../../server/imap/framer.js';
import { ParseError, Reader } from '../../server/imap/parser.js';
import { readSearchKey } from '../../server/imap/search-criteria.js';
import { formatUidSet, readSequenceSet, resolveUids } from '../../server/imap/sequence-set.js';
import { ImapLineClient, loggedIn } from '../imap/imap-client.js';
import { deliver } from '../imap/fixtures.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/** Runs `read` over `bytes`; anything but a value or a ParseError is a bug. */
function readsOrRefuses(bytes: Uint8Array, read: (r: Reader) => unknown): void {
  try {
    read(new Reader(Buffer.from(bytes)));
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
  }
}

/** Bytes that look like IMAP arguments: tokens of the grammar, glued with random noise. */
const imapToken = fc.oneof(
  fc.constantFrom('(', ')', '[', ']', '<', '>', ' ', '"', '\\', '*', '%', ':', ',', '.', '{', '}', '{3}\r\nabc', '{0+}\r\n', 'NIL', '"a\\"b"', '1', '1:*', '*:4294967295', '4294967296', '0', '99999999999999999999', '-1'),
  fc.constantFrom('BODY[]', 'BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]', 'BODY[1.2.MIME]<0.10>', 'BINARY[1]', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE', 'FLAGS', 'UID', 'ALL', 'FAST', 'FULL', 'MODSEQ', '(CHANGEDSINCE 5)'),
  fc.constantFrom('OR', 'NOT', 'SUBJECT', 'FROM x', 'HEADER X-A b', 'SINCE 1-Feb-1994', 'ON 31-Feb-2024', 'BEFORE "1-Jan-1970"', 'LARGER 10', 'UID 1:*', 'KEYWORD $x', 'SEEN', 'CHARSET UTF-8', 'MODSEQ 1', 'TEXT "x"'),
  // RFC 5182 `$` and SAVE, RFC 6855 APPEND UTF8 and RFC 3516 literal8.
  fc.constantFrom('$', '$,1:2', '1,$', '$:2', 'RETURN (SAVE)', 'RETURN (SAVE MIN MAX)', 'UID $', 'UTF8 (~{3+}\r\nabc)', 'UTF8 (', '~{2}\r\nab', '~'),
  fc.string({ maxLength: 8 }),
  fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b).toString('latin1')),
);
const imapArgs = fc.array(imapToken, { maxLength: 12 }).map((t) => t.join(''));
const asBytes = (s: string) => Buffer.from(s, 'latin1');

describe('IMAP argument readers: any input is read or refused with a ParseError (→ BAD), never another exception', () => {
  test.prop([fc.oneof(imapArgs.map(asBytes), fc.uint8Array({ maxLength: 200 }))], { numRuns: 1500 })('sequence sets', (bytes) => {
    readsOrRefuses(bytes, readSequenceSet);
  });
  test.prop([fc.oneof(imapArgs.map(asBytes), fc.uint8Array({ maxLength: 200 }))], { numRuns: 1500 })('search keys', (bytes) => {
    readsOrRefuses(bytes, readSearchKey);
  });
  test.prop([fc.oneof(imapArgs.map(asBytes), fc.uint8Array({ maxLength: 200 }))], { numRuns: 1500 })('fetch items', (bytes) => {
    readsOrRefuses(bytes, readFetchRequest);
  });
  test.prop([fc.oneof(imapArgs.map(asBytes), fc.uint8Array({ maxLength: 200 }))], { numRuns: 2000 })('strings, astrings and lists', (bytes) => {
    readsOrRefuses(bytes, (r) => r.astring());
    readsOrRefuses(bytes, (r) => r.listMailbox());
    readsOrRefuses(bytes, (r) => r.list(() => r.flag()));
  });
});

describe('round trips', () => {
  const uidSets = fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 200 }).map((a) => a.sort((x, y) => x - y));

  test.prop([uidSets, fc.func(fc.boolean())], { numRuns: 500 })('a UID set written by formatUidSet reads back to exactly the UIDs it names', (uids, pick) => {
    const chosen = uids.filter((u) => pick(u));
    fc.pre(chosen.length > 0);
    const wire = formatUidSet(chosen);
    const r = new Reader(Buffer.from(wire + '\r\n'));
    const set = readSequenceSet(r);
    r.end();
    expect(resolveUids(set, uids).map((i) => uids[i])).toEqual(chosen);
    // …and writing what was read gives the same text (the compact form is canonical).
    expect(formatUidSet(resolveUids(set, uids).map((i) => uids[i] as number))).toBe(wire);
  });

  const text = fc.oneof(fc.string({ maxLength: 60, unit: 'grapheme' }), fc.string({ maxLength: 60, unit: 'binary' }), fc.constantFrom('', 'NIL', 'nil', '"', '\\', 'a b', 'x]', '{3}', '\r\n', 'Grüße'));
  const options = fc.record({ utf8: fc.boolean(), maxQuoted: fc.integer({ min: 0, max: 80 }) });

  test.prop([text, options], { numRuns: 2000 })('string(text) reads back as the UTF-8 of the text', (value, opts) => {
    const wire = outputBytes(imapString(value, opts));
    const r = new Reader(Buffer.concat([wire, Buffer.from('\r\n')]));
    expect(r.stringBytes().equals(Buffer.from(value, 'utf8'))).toBe(true);
    r.end();
  });

  test.prop([fc.uint8Array({ maxLength: 80 }), options], { numRuns: 2000 })('string(bytes) reads back byte for byte', (bytes, opts) => {
    const value = Buffer.from(bytes);
    const wire = outputBytes(imapString(value, opts));
    const r = new Reader(Buffer.concat([wire, Buffer.from('\r\n')]));
    expect(r.stringBytes().equals(value)).toBe(true);
    r.end();
  });

  test.prop([text, fc.boolean()], { numRuns: 2000 })('astring(text) reads back as an astring, and never as NIL', (value, utf8) => {
    const wire = outputBytes(astring(value, { utf8 }));
    const r = new Reader(Buffer.concat([wire, Buffer.from('\r\n')]));
    expect(r.astringBytes().equals(Buffer.from(value, 'utf8'))).toBe(true);
    r.end();
    if (value.toUpperCase() === 'NIL') expect(wire.toString('latin1')).not.toBe(value);
    if (!canQuote(value, { utf8 }) && value !== '') expect(wire[0]).toBe(0x7b);
  });
});

describe('framing (RFC 3501 §2.2.1, §7.5): any split of the stream gives the same commands', () => {
  const literal = fc.uint8Array({ maxLength: 40 }).chain((b) =>
    fc.boolean().map((plus) => Buffer.concat([Buffer.from(`{${b.length}${plus ? '+' : ''}}\r\n`), Buffer.from(b)])),
  );
  const lineText = fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n{]/g, '_'));
  const command = fc
    .tuple(lineText, fc.array(fc.tuple(literal, lineText), { maxLength: 3 }), fc.constantFrom('\r\n', '\n'))
    .map(([head, parts, eol]) => Buffer.concat([Buffer.from('t ' + head), ...parts.flatMap(([lit, rest]) => [Buffer.from(' '), lit, Buffer.from(rest)]), Buffer.from(eol)]));

  function frames(chunks: Buffer[], limits = { maxLine: 1 << 20, maxLiteral: 1 << 20 }): { frames: Frame[]; continues: number; framer: Framer } {
    const out: Frame[] = [];
    let continues = 0;
    const framer = new Framer(limits, (f) => out.push(f), () => continues++);
    for (const chunk of chunks) framer.push(chunk);
    return { frames: out, continues, framer };
  }

  function split(stream: Buffer, cuts: number[]): Buffer[] {
    const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const cut of [...at, stream.length]) {
      chunks.push(stream.subarray(from, cut));
      from = cut;
    }
    return chunks;
  }

  test.prop([fc.array(command, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 })], { numRuns: 400 })(
    'whole commands come out whole, in order, byte for byte, however the bytes arrive',
    (commands, cuts) => {
      const stream = Buffer.concat(commands);
      const whole = frames([stream]);
      const pieces = frames(split(stream, cuts));
      expect(whole.frames.map((f) => f.kind)).toEqual(commands.map(() => 'line'));
      expect(Buffer.concat(whole.frames.map((f) => (f.kind === 'line' ? f.bytes : Buffer.alloc(0)))).equals(stream)).toBe(true);
      expect(pieces.frames).toEqual(whole.frames);
      expect(pieces.continues).toBe(whole.continues);
      expect(pieces.framer.idle).toBe(true);
    },
  );

  test.prop([fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }), fc.integer({ min: 16, max: 200 })], { numRuns: 1000 })(
    'random bytes never throw, and what is held stays under the line cap plus one literal cap',
    (chunks, cap) => {
      const { framer } = frames(chunks.map((c) => Buffer.from(c)), { maxLine: cap, maxLiteral: cap });
      expect(framer.buffered).toBeLessThanOrEqual(2 * cap + 300);
    },
  );
});

/**
 * The whole path over a real socket: commands built from the grammar's pieces (and from
 * noise) reach the dispatcher of a running server in the selected state. Every one must
 * be answered — OK, NO or BAD — and never with [SERVERBUG], which the dispatcher sends
 * only when a command threw something other than a ParseError.
 */
describe('IMAP commands over a socket: no input makes the server fail', () => {
  let box: TestSandbox;
  let client: ImapLineClient;
  let n = 0;

  beforeAll(async () => {
    box = await startTestSandbox();
    for (let i = 0; i < 5; i++) deliver(box.store, `Fuzz ${i}`, { to: 'fuzz@blue.com', extra: 'Content-Type: multipart/mixed; boundary=b', body: '--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n' });
    client = await loggedIn(box.port('imap'), 'fuzz@blue.com');
  });
  afterAll(async () => {
    client?.close();
    await box?.stop(0);
  });

  // Commands that hand the connection to another dialogue (or end it) are left to their own tests.
  const names = fc.constantFrom(
    'CAPABILITY', 'NOOP', 'CHECK', 'SELECT', 'EXAMINE', 'STATUS', 'LIST', 'LSUB', 'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE',
    'FETCH', 'UID FETCH', 'STORE', 'UID STORE', 'SEARCH', 'UID SEARCH', 'COPY', 'UID COPY', 'MOVE', 'UID MOVE', 'EXPUNGE', 'UID EXPUNGE',
    'CLOSE', 'UNSELECT', 'ENABLE', 'ID', 'NAMESPACE', 'APPEND', 'GETQUOTAROOT', 'XYZZY', 'UID', 'ESEARCH',
  );
  const line = fc.tuple(names, fc.array(imapToken, { maxLength: 10 })).map(([name, args]) =>
    // Keep literals well-formed so the stream stays in step: a `{n}` at a line end is followed by n bytes.
    `${name} ${args.join(' ')}`.replace(/[\r\n]/g, ' ').replace(/\{(\d*)(\+?)\}\s*$/, '{$1$2} '),
  );

  test.prop([fc.array(line, { minLength: 1, maxLength: 10 })], { numRuns: 60 })('every command gets its tagged reply, none a SERVERBUG, and the session goes on', async (lines) => {
    for (const text of lines) {
      const tag = `F${++n}`;
      client.write(`${tag} ${text}\r\n`);
      const reply = await client.until(tag);
      expect(reply.at(-1)).toMatch(new RegExp(`^${tag} (OK|NO|BAD)\\b`));
      expect(reply.join('\n')).not.toMatch(/SERVERBUG|^\* BYE/m);
    }
    // Back to a known state for the next run.
    const select = await client.command(`S${n}`, 'SELECT INBOX');
    expect(select.at(-1)).toMatch(/^S\d+ OK/);
  });

  test('and a new session is served as usual afterwards', async () => {
    const other = await loggedIn(box.port('imap'), 'other@blue.com');
    const reply = await other.command('Z1', 'SELECT INBOX');
    other.close();
    expect(reply.at(-1)).toMatch(/^Z1 OK/);
  });
});
