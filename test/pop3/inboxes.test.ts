import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInboxSandbox, type InboxSandbox } from '../helpers/inbox-sandbox.js';
import { requireTool } from '../helpers/tools.js';
import { Pop3Dialogue } from './pop3-dialogue.js';
import { storedBytes } from '../helpers/stored-bytes.js';

const run = promisify(execFile);
const POPLIB_INBOXES = join(dirname(fileURLToPath(import.meta.url)), 'poplib-inboxes.py');

/** Team inboxes: shop takes *@shop.test and *@blue.com, billing *@billing.test. */
const FILE = {
  inboxes: {
    shop: { recipients: ['*@shop.test', '*@blue.com'] },
    billing: { recipients: ['*@billing.test'] },
  },
  users: {
    alice: { password: 'pw-alice', inboxes: ['shop'] },
    bob: { password: bcrypt.hashSync('pw-bob', 4), inboxes: ['shop', 'billing'] },
    ops: { password: 'pw-ops', inboxes: ['*'] },
    carol: { password: 'pw-carol', inboxes: ['shop'] },
  },
  unrouted: 'refuse',
};

const FAILED = '-ERR [AUTH] Authentication failed';

interface PoplibReport {
  welcome: string;
  capa: Record<string, string[]>;
  error?: string;
  login?: string;
  stat?: [number, number];
  subjects?: string[];
}

let box: InboxSandbox;
beforeAll(async () => {
  box = await startInboxSandbox(FILE);
  await box.send('buyer@shop.test', 'Order 1');
  await box.send('bob@blue.com', 'For Bob');
  await box.send('ap@billing.test', 'Invoice 9');
});
afterAll(() => box.stop(0));

async function poplib(attempts: Array<{ user: string; password: string; mode?: 'pass' | 'apop' }>): Promise<PoplibReport[]> {
  const { stdout } = await run('python3', [POPLIB_INBOXES, String(box.port('pop3')), JSON.stringify(attempts.map((a) => ({ mode: 'pass', ...a })))]);
  return JSON.parse(stdout) as PoplibReport[];
}

async function dialogue(): Promise<Pop3Dialogue> {
  return Pop3Dialogue.open(box.port('pop3'));
}

/** The replies to USER/PASS and to AUTH PLAIN with the same name and password, on one connection. */
async function refusals(user: string, password: string): Promise<string[]> {
  const d = await dialogue();
  try {
    expect(await d.command(`USER ${user}`)).toMatch(/^\+OK/);
    const pass = await d.command(`PASS ${password}`);
    const plain = await d.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`);
    return [pass, plain];
  } finally {
    d.socket.destroy();
  }
}

describe.runIf(requireTool('python3'))('python3 poplib with team inboxes', () => {
  it('USER/PASS opens the inbox named, or one address within it, and shows nothing else', async () => {
    const [shop, bobInShop, alone, billing] = await poplib([
      { user: 'alice/shop', password: 'pw-alice' },
      { user: 'alice/shop/bob@blue.com', password: 'pw-alice' },
      { user: 'alice', password: 'pw-alice' },
      { user: 'bob/billing', password: 'pw-bob' },
    ]);
    expect(shop?.subjects).toEqual(['Order 1', 'For Bob']);
    expect(bobInShop?.subjects).toEqual(['For Bob']);
    expect(alone?.subjects).toEqual(['Order 1', 'For Bob']);
    expect(billing?.subjects).toEqual(['Invoice 9']);
    expect(billing?.stat?.[0]).toBe(1);
  });

  it('offers no APOP: the greeting carries no timestamp, and poplib says so', async () => {
    const [report] = await poplib([{ user: 'alice/shop', password: 'pw-alice', mode: 'apop' }]);
    expect(report?.welcome).toBe('+OK Letterbox POP3 ready');
    expect(report?.error).toBe('-ERR APOP not supported by server');
    expect(report?.capa.SASL).toEqual(['PLAIN', 'LOGIN']);
  });
});

describe('POP3 logins with team inboxes', () => {
  it('AUTH PLAIN and AUTH LOGIN sign in to the inbox named', async () => {
    const d = await dialogue();
    try {
      expect(await d.command(`AUTH PLAIN ${Buffer.from('\0bob/shop\0pw-bob').toString('base64')}`)).toBe(`+OK Maildrop has 2 messages (${await octets('shop', '*')} octets)`);
      expect(await d.command('QUIT')).toMatch(/^\+OK/);
    } finally {
      d.socket.destroy();
    }
    const l = await dialogue();
    try {
      expect(await l.command('AUTH LOGIN')).toMatch(/^\+ /);
      expect(await l.command(Buffer.from('ops/billing').toString('base64'))).toMatch(/^\+ /);
      expect(await l.command(Buffer.from('pw-ops').toString('base64'))).toMatch(/^\+OK Maildrop has 1 message /);
    } finally {
      l.socket.destroy();
    }
  });

  it('refuses a wrong password, an unknown user, an inbox not hers and one that does not exist alike', async () => {
    for (const [user, password] of [
      ['alice/shop', 'wrong'],
      ['mallory/shop', 'pw-alice'],
      ['alice/billing', 'pw-alice'],
      ['alice/nosuch', 'pw-alice'],
      ['alice/shop/not-an-address', 'pw-alice'],
      ['bob', 'wrong'],
    ] as const) {
      expect(await refusals(user, password), `${user} ${password}`).toEqual([FAILED, FAILED]);
    }
    const several = '-ERR [AUTH] bob may read several inboxes; log in as bob/INBOX, INBOX one of: billing, shop';
    expect(await refusals('bob', 'pw-bob')).toEqual([several, several]);
    const d = await dialogue();
    try {
      expect(await d.command('APOP alice/shop 0123456789abcdef0123456789abcdef')).toBe('-ERR APOP is not offered here; use USER and PASS, or AUTH PLAIN');
    } finally {
      d.socket.destroy();
    }
  });

  it('locks a maildrop per inbox and mailbox', async () => {
    const first = await dialogue();
    const sameMailbox = await dialogue();
    const otherInbox = await dialogue();
    const address = await dialogue();
    try {
      await first.login('alice/shop', 'pw-alice');
      // bob's catch-all of shop is the same maildrop as alice's.
      expect(await sameMailbox.command('USER bob/shop')).toMatch(/^\+OK/);
      expect(await sameMailbox.command('PASS pw-bob')).toBe('-ERR [IN-USE] Maildrop is in use by another session');
      expect(await otherInbox.login('bob/billing', 'pw-bob')).toMatch(/^\+OK Maildrop has 1 message /);
      expect(await address.login('alice/shop/bob@blue.com', 'pw-alice')).toMatch(/^\+OK Maildrop has 1 message /);
    } finally {
      for (const d of [first, sameMailbox, otherInbox, address]) d.socket.destroy();
    }
  });

  it('DELE and QUIT delete from that inbox only', async () => {
    await box.send('gone@shop.test', 'To delete');
    await box.send('gone@billing.test', 'To keep');
    const d = await dialogue();
    try {
      const [count] = (await d.login('ops/shop', 'pw-ops')).match(/\d+/) ?? [];
      expect(await d.command(`DELE ${count}`)).toMatch(/^\+OK/);
      expect(await d.command('QUIT')).toBe('+OK Letterbox POP3 server signing off (1 message deleted)');
    } finally {
      d.socket.destroy();
    }
    const subjects = (name: string) => box.directory.get(name)?.store.folder('*', 'INBOX')?.entries.map((e) => e.message.summary.subject);
    expect(subjects('shop')).toEqual(['Order 1', 'For Bob']);
    expect(subjects('billing')).toEqual(['Invoice 9', 'To keep']);
  });

  it('ends the session of a user who lost the inbox in a reload, deleting nothing she marked', async () => {
    const d = await dialogue();
    try {
      await d.login('carol/shop', 'pw-carol');
      expect(await d.command('DELE 1')).toMatch(/^\+OK/);
      await box.rewrite({ ...FILE, users: { ...FILE.users, carol: { password: 'pw-carol', inboxes: ['billing'] } } });
      expect(await d.command('QUIT')).toBe('-ERR [SYS/PERM] Access to inbox shop was withdrawn');
      await d.closed;
    } finally {
      d.socket.destroy();
    }
    expect(box.directory.get('shop')?.store.folder('*', 'INBOX')?.entries.map((e) => e.message.summary.subject)).toEqual(['Order 1', 'For Bob']);
    expect(await refusals('carol/shop', 'pw-carol')).toEqual([FAILED, FAILED]);
  });

  it('ends the session of a removed inbox with -ERR and leaves the others be', async () => {
    const created = box.directory.create('mr-8', undefined);
    if ('error' in created) throw new Error(created.text);
    await created.inbox.delivery.deliver({ raw: Buffer.from('Subject: In mr-8\r\n\r\nbody\r\n'), envelope: { mailFrom: '', rcptTo: ['dev@mr.test'] } });
    const doomed = await dialogue();
    const other = await dialogue();
    try {
      expect(await doomed.login('ops/mr-8', 'pw-ops')).toMatch(/^\+OK Maildrop has 1 message /);
      expect(await doomed.command('DELE 1')).toMatch(/^\+OK/);
      await other.login('ops/billing', 'pw-ops');
      expect(box.directory.remove('mr-8')).toBe(true);
      expect(await doomed.readLine()).toBe('-ERR [SYS/PERM] Inbox mr-8 was removed');
      await doomed.closed;
      expect(await other.command('STAT')).toMatch(/^\+OK 2 /);
      expect(await refusals('ops/mr-8', 'pw-ops')).toEqual([FAILED, FAILED]);
    } finally {
      doomed.socket.destroy();
      other.socket.destroy();
    }
  });
});

/** Octets of a mailbox's INBOX in an inbox, as STAT counts them (CRLF mail: the stored size). */
async function octets(inbox: string, login: string): Promise<number> {
  const store = box.directory.get(inbox)!.store;
  const bytes = await storedBytes(store, store.folder(login, 'INBOX')?.entries.map((e) => e.message) ?? []);
  return bytes.reduce((sum, raw) => sum + (raw?.length ?? 0), 0);
}
