import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveChunks, type ArchivedMessage } from '../../server/transfer/archive.js';
import { envelopeFromHeader } from '../../server/transfer/envelope.js';
import { bareLfToCrlf, bareLfToCrlfStream, unixToWire } from '../../server/transfer/line-endings.js';
import { mboxRecord, readMbox } from '../../server/transfer/mbox.js';
import { readSources } from '../../server/transfer/sources.js';
import { readZip, ZipReadError } from '../../server/transfer/zip-reader.js';
import { requireTool } from '../helpers/tools.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

async function fixtures(): Promise<Buffer[]> {
  const names = (await readdir(FIXTURES)).sort();
  return Promise.all(names.map((name) => readFile(join(FIXTURES, name))));
}

function archived(raws: Buffer[]): ArchivedMessage[] {
  return raws.map((raw, i) => ({ id: `id${i}`, raw, envelope: { mailFrom: i % 2 ? '' : 'alice@red.com' }, receivedAt: new Date(Date.UTC(2026, 10, 28, 10, i)) }));
}

const archive = (messages: ArchivedMessage[], format: 'mbox' | 'zip') => Buffer.concat([...archiveChunks(messages, format)]);

/** Lines built to trip mbox and SMTP: From-lines, quoted From-lines, dots, CR and LF mixes. */
const trickyLine = fc.oneof(
  fc.constantFrom('From ', '>From ', '>>From x', '.', '..', '', 'From', ' From ', '\r'),
  fc.string({ maxLength: 20 }),
);
const trickyMessage = fc
  .array(fc.tuple(trickyLine, fc.constantFrom('\r\n', '\n')), { maxLength: 12 })
  .map((lines) => Buffer.from('Subject: t\r\n\r\n' + lines.map(([l, end]) => l + end).join(''), 'utf8'));

describe('mbox', () => {
  it('writes an mboxrd record with a From line and quoted From lines', () => {
    const record = mboxRecord({ sender: 'a@red.com', receivedAt: new Date(Date.UTC(2026, 10, 28, 22, 59, 39)), raw: Buffer.from('Subject: x\r\n\r\nFrom here\r\n>From there\r\n') });
    expect(record.toString()).toBe('From a@red.com Sat Nov 28 22:59:39 2026\nSubject: x\r\n\r\n>From here\r\n>>From there\r\n\n');
  });

  it('round-trips the fixture set byte for byte, senders and times too', async () => {
    const messages = archived(await fixtures());
    const back = readMbox(archive(messages, 'mbox'));
    expect(back.map((e) => e.raw)).toEqual(messages.map((m) => m.raw));
    expect(back.map((e) => e.sender)).toEqual(messages.map((m) => m.envelope.mailFrom));
    expect(back.map((e) => e.receivedAt.getTime())).toEqual(messages.map((m) => m.receivedAt.getTime()));
  });

  test.prop([fc.array(trickyMessage, { minLength: 1, maxLength: 5 })])('round-trips any message that ends in a line break', (raws) => {
    const endsInLine = raws.map((raw) => (raw[raw.length - 1] === 0x0a ? raw : Buffer.concat([raw, Buffer.from('\r\n')])));
    expect(readMbox(archive(archived(endsInLine), 'mbox')).map((e) => e.raw)).toEqual(endsInLine);
  });

  it('reads an LF mbox written by another tool', () => {
    const file = Buffer.from('From x@y Mon Jan  1 00:00:00 2024\nSubject: a\n\nbody\n>From quoted\n\nFrom z@y Mon Jan  1 00:00:01 2024\nSubject: b\n\nsecond\n');
    const entries = readMbox(file);
    expect(entries.map((e) => e.raw.toString())).toEqual(['Subject: a\n\nbody\nFrom quoted\n', 'Subject: b\n\nsecond\n']);
    expect(entries[1]?.receivedAt.toISOString()).toBe('2024-01-01T00:00:01.000Z');
  });
});

describe('zip', () => {
  it('round-trips the fixture set byte for byte through the reader', async () => {
    const raws = await fixtures();
    const entries = readZip(archive(archived(raws), 'zip'));
    expect(entries.map((e) => e.name)).toEqual(raws.map((_, i) => `${String(i + 1).padStart(5, '0')}-id${i}.eml`));
    expect(entries.map((e) => e.data)).toEqual(raws);
  });

  it('refuses a damaged archive with a clear error, not a crash', async () => {
    const zip = archive(archived(await fixtures()), 'zip');
    const damaged = Buffer.from(zip);
    damaged[60] = (damaged[60] ?? 0) ^ 0xff;
    expect(() => readZip(damaged)).toThrow(ZipReadError);
    expect(() => readZip(Buffer.from('not a zip at all'))).toThrow(/not a zip/);
  });

  describe.runIf(requireTool('python3'))('read by another implementation', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'letterbox-zip-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it("python's zipfile lists, tests and reads it unchanged", async () => {
      const raws = await fixtures();
      const file = join(dir, 'out.zip');
      await writeFile(file, archive(archived(raws), 'zip'));
      const script = 'import sys,zipfile,hashlib\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nfor i in z.infolist(): print(i.filename, i.compress_type, hashlib.sha256(z.read(i)).hexdigest())';
      const run = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const { createHash } = await import('node:crypto');
      const expected = raws.map((raw, i) => `${String(i + 1).padStart(5, '0')}-id${i}.eml 0 ${createHash('sha256').update(raw).digest('hex')}`);
      expect(run.stdout.trim().split('\n')).toEqual(expected);
    });

    it('reads a deflated zip made by python', async () => {
      const file = join(dir, 'deflated.zip');
      const script = 'import sys,zipfile\nwith zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED) as z: z.writestr("m.eml", "Subject: deflated\\r\\n\\r\\n" + "x"*5000 + "\\r\\n")';
      expect(spawnSync('python3', ['-c', script, file]).status).toBe(0);
      const [entry] = readZip(await readFile(file));
      expect(entry?.data.toString()).toBe('Subject: deflated\r\n\r\n' + 'x'.repeat(5000) + '\r\n');
    });
  });
});

describe('line endings', () => {
  it('turns bare LF into CRLF and leaves CRLF and lone CR alone', () => {
    expect(bareLfToCrlf(Buffer.from('a\nb\r\nc\rd\n')).toString()).toBe('a\r\nb\r\nc\rd\r\n');
  });
  it('does so over a stream, where a CR ending one chunk pairs with the LF starting the next', async () => {
    const stream = bareLfToCrlfStream();
    const out: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    for (const chunk of ['a\r', '\nb', '\n', '\nc\r', 'd\n', '\r', '\r\n']) stream.write(Buffer.from(chunk));
    stream.end();
    await new Promise((resolve) => stream.on('end', resolve));
    expect(Buffer.concat(out).toString()).toBe('a\r\nb\r\n\r\nc\rd\r\n\r\r\n');
  });
  it('keeps a file that already uses CRLF byte for byte', () => {
    const mixed = Buffer.from('a\r\nb\nc\r\n');
    expect(unixToWire(mixed)).toBe(mixed);
    expect(unixToWire(Buffer.from('a\nb\n')).toString()).toBe('a\r\nb\r\n');
  });
});

describe('envelope from the header', () => {
  it('takes To, Cc and Bcc once each, and the sender from From', () => {
    const raw = Buffer.from('From: "A" <a@red.com>\r\nTo: b@blue.com, "C" <c@blue.com>\r\nCc: B@blue.com\r\nBcc: d@blue.com\r\n\r\nx\r\n');
    expect(envelopeFromHeader(raw)).toEqual({ ok: true, envelope: { mailFrom: 'a@red.com', rcptTo: ['b@blue.com', 'c@blue.com', 'd@blue.com'] } });
  });
  it('prefers Return-Path, and Resent- fields when present', () => {
    const raw = Buffer.from('Return-Path: <bounce@red.com>\r\nFrom: a@red.com\r\nTo: old@blue.com\r\nResent-To: new@blue.com\r\n\r\n');
    expect(envelopeFromHeader(raw)).toEqual({ ok: true, envelope: { mailFrom: 'bounce@red.com', rcptTo: ['new@blue.com'] } });
  });
  it('refuses a control character in an address field, so a bare CR cannot turn one recipient into another', () => {
    for (const [field, byte] of [['To', '\r'], ['Cc', '\u0000'], ['From', '\u007f'], ['Resent-Bcc', '\u001b']] as const) {
      const raw = Buffer.from(`From: a@red.com\r\nTo: bob@blue.com\r\n${field}: bob@blue.com${byte}cc: eve@evil.com\r\n\r\nx\r\n`);
      const read = envelopeFromHeader(raw);
      expect(read).toEqual({ ok: false, error: expect.stringMatching(new RegExp(`^the ${field} field holds a control character \\(0x`)) });
    }
    // A header the envelope does not read may hold what it likes.
    expect(envelopeFromHeader(Buffer.from('X-Note: a\rb\r\nTo: bob@blue.com\r\n\r\n')).ok).toBe(true);
  });
});

describe('sources', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-sources-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a Maildir in delivery order, skipping tmp/', async () => {
    const maildir = join(dir, 'Maildir');
    const { mkdir } = await import('node:fs/promises');
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildir, sub), { recursive: true });
    await writeFile(join(maildir, 'cur', '1700000002.M1P1.host:2,S'), 'Subject: second\r\n\r\n');
    await writeFile(join(maildir, 'new', '1700000001.M1P1.host'), 'Subject: first\r\n\r\n');
    await writeFile(join(maildir, 'tmp', '1700000003.M1P1.host'), 'Subject: in flight\r\n\r\n');
    const found: string[] = [];
    for await (const m of readSources([maildir])) found.push(m.raw.toString());
    expect(found).toEqual(['Subject: first\r\n\r\n', 'Subject: second\r\n\r\n']);
  });

  it('reads a directory of .eml files, an mbox and a zip alike', async () => {
    const raws = await fixtures();
    await writeFile(join(dir, 'all.mbox'), archive(archived(raws), 'mbox'));
    await writeFile(join(dir, 'all.zip'), archive(archived(raws), 'zip'));
    for (const path of [FIXTURES, join(dir, 'all.mbox'), join(dir, 'all.zip')]) {
      const found: Buffer[] = [];
      for await (const m of readSources([path])) found.push(m.raw);
      expect(found).toEqual(raws);
    }
  });

  it('names a missing path', async () => {
    await expect(readSources([join(dir, 'nope')]).next()).rejects.toThrow(/no such file/);
  });
});
