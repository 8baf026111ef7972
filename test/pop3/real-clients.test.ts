import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../server/store/types.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { storedBytes } from '../helpers/stored-bytes.js';
import { requireTool } from '../helpers/tools.js';
import { FIXTURES } from '../smtp/fixtures.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const POPLIB_CLIENT = join(here, 'poplib-client.py');
const ANY_PORT = { host: '127.0.0.1', port: 0 };

interface PoplibReport {
  welcome: string;
  capa: string[];
  capa_after_stls?: string[];
  stls?: string;
  login: string;
  stat: [number, number];
  list: string[];
  uidl: string[];
  retr_octets: number[];
  top: string[];
  dele: string;
  quit: string;
}

/**
 * Every fixture of the SMTP round trip (dot lines, 8-bit, SMTPUTF8, a 998-octet line,
 * 5 MB) sent by nodemailer to one login, then fetched by clients no one here wrote.
 */
async function sendFixtures(box: TestSandbox, login: string): Promise<StoredMessage[]> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), secure: false, ignoreTLS: true });
  try {
    for (const fixture of FIXTURES) await transport.sendMail({ envelope: { from: fixture.from, to: [login] }, raw: fixture.raw });
  } finally {
    transport.close();
  }
  return box.store.messages().filter((m) => m.envelope.rcptTo.includes(login));
}

describe.runIf(requireTool('python3'))('python3 poplib', () => {
  let box: TestSandbox;
  let dir: string;

  beforeAll(async () => {
    box = await startTestSandbox({ smtpTls: 'self-signed', pop3s: ANY_PORT });
    dir = await mkdtemp(join(tmpdir(), 'letterbox-poplib-'));
  });
  afterAll(async () => {
    await box.stop(0);
    await rm(dir, { recursive: true, force: true });
  });

  async function poplib(port: number, user: string, password: string, mode: 'stls' | 'ssl' | 'apop', out = dir): Promise<PoplibReport> {
    const { stdout } = await run('python3', [POPLIB_CLIENT, String(port), user, password, out, mode], { maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout) as PoplibReport;
  }

  it('STLS, USER/PASS, LIST, UIDL, RETR, TOP, DELE, QUIT: every fixture comes back byte for byte', async () => {
    const login = 'poplib@blue.example';
    const messages = await sendFixtures(box, login);
    expect((await storedBytes(box.store, messages)).map((raw, i) => raw?.equals(FIXTURES[i]?.raw ?? Buffer.alloc(0)))).toEqual(FIXTURES.map(() => true));
    const report = await poplib(box.port('pop3'), login, 'any', 'stls');
    expect(report.capa).toContain('STLS');
    expect(report.stls).toMatch(/^\+OK/);
    expect(report.capa_after_stls).not.toContain('STLS');
    expect(report.stat).toEqual([FIXTURES.length, FIXTURES.reduce((sum, f) => sum + f.raw.length, 0)]);
    expect(report.list).toEqual(FIXTURES.map((f, i) => `${i + 1} ${f.raw.length}`));
    expect(report.uidl).toEqual(messages.map((m, i) => `${i + 1} ${m.id}`));
    // poplib counts the octets it un-stuffs: they equal what LIST announced.
    expect(report.retr_octets).toEqual(FIXTURES.map((f) => f.raw.length));
    for (const [i, fixture] of FIXTURES.entries()) {
      const downloaded = await readFile(join(dir, `${i + 1}.eml`));
      expect(downloaded.equals(fixture.raw), fixture.name).toBe(true);
    }
    const first = (FIXTURES[0]?.raw ?? Buffer.alloc(0)).toString('utf8').split('\r\n');
    const blank = first.indexOf('');
    expect(report.top).toEqual(first.slice(0, blank + 3));
    expect(report.dele).toMatch(/^\+OK/);
    expect(report.quit).toMatch(/1 message deleted/);
    // The first fixture had one recipient here, so it left the store; the rest stayed.
    expect(box.store.get(messages[0]?.id ?? '')).toBeUndefined();
    for (const message of messages.slice(1)) expect(box.store.get(message.id)).toBeDefined();
  });

  it('POP3S with POP3_SSL', async () => {
    box.store.deliver({ raw: Buffer.from('Subject: s\r\n\r\nover implicit TLS\r\n'), envelope: { mailFrom: '', rcptTo: ['ssl@blue.example'] } });
    const out = await mkdtemp(join(dir, 'ssl-'));
    const report = await poplib(box.port('pop3s'), 'ssl@blue.example', 'x', 'ssl', out);
    expect(report.capa).not.toContain('STLS');
    expect(report.stat[0]).toBe(1);
    expect((await readFile(join(out, '1.eml'), 'utf8')).endsWith('over implicit TLS\r\n')).toBe(true);
  });

  it('APOP against a plain secret in the auth file', async () => {
    const authDir = await mkdtemp(join(dir, 'auth-'));
    const file = join(authDir, 'users');
    await writeFile(file, 'apop@blue.example:apop-secret\n');
    const authed = await startTestSandbox({ smtpAuthFile: file });
    try {
      authed.store.deliver({ raw: Buffer.from('Subject: a\r\n\r\nx\r\n'), envelope: { mailFrom: '', rcptTo: ['apop@blue.example'] } });
      const report = await poplib(authed.port('pop3'), 'apop@blue.example', 'apop-secret', 'apop');
      expect(report.login).toMatch(/^\+OK Maildrop has 1 message/);
      await expect(poplib(authed.port('pop3'), 'apop@blue.example', 'wrong', 'apop')).rejects.toThrow(/\[AUTH\]/);
    } finally {
      await authed.stop(0);
    }
  });
});

describe.runIf(requireTool('curl'))('curl pop3://', () => {
  let box: TestSandbox;
  const login = 'curl@blue.example';
  let messages: StoredMessage[];

  beforeAll(async () => {
    box = await startTestSandbox();
    messages = await sendFixtures(box, login);
  });
  afterAll(() => box.stop(0));

  const url = (path = '') => `pop3://127.0.0.1:${box.port('pop3')}/${path}`;
  const curl = async (...args: string[]) =>
    (await run('curl', ['--silent', '--show-error', '--user', `${login}:any`, ...args], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 })).stdout;

  it('lists the maildrop', async () => {
    const listing = (await curl(url())).toString('latin1');
    expect(listing).toBe(FIXTURES.map((f, i) => `${i + 1} ${f.raw.length}\r\n`).join(''));
  });

  it('retrieves every fixture byte for byte', async () => {
    for (const [i, fixture] of FIXTURES.entries()) {
      const body = await curl(url(String(i + 1)));
      expect(body.equals(fixture.raw), fixture.name).toBe(true);
    }
  });

  it('retrieves over STLS (--ssl-reqd) and over implicit TLS (pop3s://)', async () => {
    const secure = await startTestSandbox({ smtpTls: 'self-signed', pop3s: ANY_PORT, pop3RequireTls: true });
    try {
      const raw = FIXTURES[4]?.raw ?? Buffer.alloc(0);
      secure.store.deliver({ raw, envelope: { mailFrom: '', rcptTo: [login] } });
      const stls = await curl('--ssl-reqd', '--insecure', `pop3://127.0.0.1:${secure.port('pop3')}/1`);
      expect(stls.equals(raw)).toBe(true);
      const implicit = await curl('--insecure', `pop3s://127.0.0.1:${secure.port('pop3s')}/1`);
      expect(implicit.equals(raw)).toBe(true);
    } finally {
      await secure.stop(0);
    }
  });

  it('deletes a message (DELE, then QUIT)', async () => {
    await curl('--request', 'DELE', '--head', url('2'));
    expect(box.store.get(messages[1]?.id ?? '')).toBeUndefined();
    const listing = (await curl(url())).toString('latin1');
    expect(listing.split('\r\n').filter(Boolean)).toHaveLength(FIXTURES.length - 1);
  });
});
