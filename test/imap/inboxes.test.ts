import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInboxSandbox, type InboxSandbox } from '../helpers/inbox-sandbox.js';
import { requireTool } from '../helpers/tools.js';
import { ImapLineClient, loggedIn } from './imap-client.js';

/** Team inboxes: shop takes *@shop.test and *@blue.com, billing *@billing.test, ci *@ci.test. */
const FILE = {
  inboxes: {
    shop: { smtp: ['shop-app:s3cret'], recipients: ['*@shop.test', '*@blue.com'] },
    billing: { recipients: ['*@billing.test'] },
    ci: { recipients: ['*@ci.test'] },
  },
  users: {
    alice: { password: 'pw-alice', inboxes: ['shop'] },
    bob: { password: bcrypt.hashSync('pw-bob', 4), inboxes: ['shop', 'billing'] },
    ops: { password: 'pw-ops', inboxes: ['*'] },
    idle: { password: 'pw-idle', inboxes: [] },
    carol: { password: 'pw-carol', inboxes: ['shop'] },
  },
  unrouted: 'refuse',
};

const REFUSED = 'NO [AUTHENTICATIONFAILED] Invalid credentials';

let box: InboxSandbox;
beforeAll(async () => {
  box = await startInboxSandbox(FILE);
  await box.send('buyer@shop.test', 'Order 1');
  await box.send('bob@blue.com', 'For Bob');
  await box.send('ap@billing.test', 'Invoice 9');
  await box.send('runner@ci.test', 'Build green');
});
afterAll(() => box.stop(0));

function flow(user: string, pass: string): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: box.port('imap'), secure: false, auth: { user, pass }, logger: false });
}

/** The subjects of a login's INBOX, in UID order. */
async function inboxSubjects(user: string, pass: string): Promise<string[]> {
  const client = flow(user, pass);
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    const subjects: string[] = [];
    for await (const m of client.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
    return subjects;
  } finally {
    await client.logout();
  }
}

/** The tagged reply to LOGIN, and to AUTHENTICATE PLAIN with the same name and password. */
async function refusals(user: string, pass: string): Promise<string[]> {
  const c = await ImapLineClient.open(box.port('imap'));
  try {
    await c.line();
    const login = (await c.command('a', `LOGIN "${user}" "${pass}"`)).at(-1) ?? '';
    const plain = Buffer.from(`\0${user}\0${pass}`).toString('base64');
    const sasl = (await c.command('b', `AUTHENTICATE PLAIN ${plain}`)).at(-1) ?? '';
    return [login.slice(2), sasl.slice(2)];
  } finally {
    c.close();
  }
}

describe('IMAP logins with team inboxes', () => {
  it('USER/INBOX is the inbox catch-all, USER/INBOX/ADDRESS one address within it, and nothing else shows', async () => {
    expect(await inboxSubjects('alice/shop', 'pw-alice')).toEqual(['Order 1', 'For Bob']);
    expect(await inboxSubjects('alice/shop/bob@blue.com', 'pw-alice')).toEqual(['For Bob']);
    // One readable inbox: the user name alone opens it.
    expect(await inboxSubjects('alice', 'pw-alice')).toEqual(['Order 1', 'For Bob']);
    // A bcrypt password; the same address in another inbox is another mailbox.
    expect(await inboxSubjects('bob/billing', 'pw-bob')).toEqual(['Invoice 9']);
    expect(await inboxSubjects('bob/billing/bob@blue.com', 'pw-bob')).toEqual([]);
    expect(await inboxSubjects('ops/ci', 'pw-ops')).toEqual(['Build green']);
  });

  it('LIST, STATUS and SEARCH answer from the inbox alone', async () => {
    const client = flow('alice/shop', 'pw-alice');
    await client.connect();
    try {
      const folders = await client.list({ statusQuery: { messages: true } });
      const counts = Object.fromEntries(folders.map((f) => [f.path, f.status?.messages]));
      expect(counts).toEqual({ INBOX: 2, Sent: 0, Drafts: 0, Trash: 0, Archive: 0, Junk: 0 });
      await client.mailboxOpen('INBOX');
      expect(await client.search({ all: true })).toEqual([1, 2]);
      for (const subject of ['Invoice 9', 'Build green']) expect(await client.search({ subject })).toEqual([]);
    } finally {
      await client.logout();
    }
  });

  it('APPEND files into the inbox signed in to', async () => {
    const client = flow('ops/ci', 'pw-ops');
    await client.connect();
    try {
      await client.append('Drafts', 'From: ops@ci.test\r\nSubject: Draft in ci\r\n\r\nbody\r\n');
    } finally {
      await client.logout();
    }
    const drafts = (name: string) => box.directory.get(name)?.store.folder('*', 'Drafts')?.entries.map((e) => e.message.summary.subject);
    expect(drafts('ci')).toEqual(['Draft in ci']);
    expect(drafts('shop')).toEqual([]);
    expect(drafts('billing')).toEqual([]);
  });

  it('IDLE in shop hears of new shop mail and nothing of mail filed in billing', async () => {
    const client = flow('bob/shop', 'pw-bob');
    await client.connect();
    try {
      // imapflow updates the mailbox object as it hears; the count at open is kept apart.
      const before = (await client.mailboxOpen('INBOX')).exists;
      const counts: number[] = [];
      const heard = new Promise<void>((resolve) =>
        client.on('exists', (event: { count: number }) => {
          counts.push(event.count);
          resolve();
        }),
      );
      const idling = client.idle();
      // Billing's message is filed first: had it reached this session, it would be heard first.
      await box.send('late@billing.test', 'Billing while idle');
      await box.send('late@shop.test', 'Shop while idle');
      await heard;
      await client.noop();
      await idling;
      expect(counts).toEqual([before + 1]);
      const newest = await client.fetchOne('*', { envelope: true });
      expect(newest && newest.envelope?.subject).toBe('Shop while idle');
    } finally {
      await client.logout();
    }
  });

  it('NOTIFY tells of the inbox own folders only', async () => {
    const c = await loggedIn(box.port('imap'), 'alice/shop', 'pw-alice');
    try {
      expect((await c.command('b', 'NOTIFY SET STATUS (personal (MessageNew MessageExpunge))')).at(-1)).toMatch(/^b OK/);
      const before = box.directory.get('shop')?.store.folder('*', 'INBOX')?.entries.length ?? 0;
      await box.send('notify@billing.test', 'Billing for notify');
      await box.send('notify@shop.test', 'Shop for notify');
      // The first unsolicited line is shop's INBOX; billing's message came before it and told nothing.
      expect(await c.line()).toMatch(new RegExp(`^\\* STATUS INBOX \\(MESSAGES ${before + 1} UIDNEXT \\d+\\)$`));
      expect((await c.command('c', 'LOGOUT')).at(-1)).toMatch(/^c OK/);
    } finally {
      c.close();
    }
  });

  it('refuses a wrong password, an unknown user, an inbox not hers and one that does not exist alike', async () => {
    const refused = [REFUSED, REFUSED];
    expect(await refusals('alice/shop', 'wrong')).toEqual(refused);
    expect(await refusals('mallory/shop', 'pw-alice')).toEqual(refused);
    expect(await refusals('alice/billing', 'pw-alice')).toEqual(refused);
    expect(await refusals('alice/nosuch', 'pw-alice')).toEqual(refused);
    expect(await refusals('alice/shop/not-an-address', 'pw-alice')).toEqual(refused);
    expect(await refusals('idle', 'pw-idle')).toEqual(refused);
    // Several inboxes: the user name alone is refused with the form to use, and her inboxes only.
    const several = 'NO [AUTHORIZATIONFAILED] bob may read several inboxes; log in as bob/INBOX, INBOX one of: billing, shop';
    expect(await refusals('bob', 'pw-bob')).toEqual([several, several]);
    expect(await refusals('bob', 'wrong')).toEqual(refused);
  });

  it('offers no CRAM-MD5 (the directory keeps no plain secret) and promises no any-password login', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    try {
      const greeting = await c.line();
      expect(greeting).toMatch(/AUTH=PLAIN AUTH=LOGIN\]/);
      expect(greeting).not.toMatch(/CRAM-MD5|any password/);
      expect((await c.command('a', 'AUTHENTICATE CRAM-MD5')).at(-1)).toBe('a NO Unsupported mechanism CRAM-MD5');
    } finally {
      c.close();
    }
  });

  it('ends the session of a user who lost the inbox in a reload, before telling any more of it', async () => {
    const c = await loggedIn(box.port('imap'), 'carol/shop', 'pw-carol');
    try {
      expect((await c.command('b', 'SELECT INBOX')).at(-1)).toMatch(/^b OK/);
      c.write('c IDLE\r\n');
      expect(await c.line()).toBe('+ idling');
      await box.rewrite({ ...FILE, users: { ...FILE.users, carol: { password: 'pw-carol', inboxes: ['billing'] } } });
      await box.send('after@shop.test', 'After carol left');
      expect(await c.line()).toBe('* BYE Access to inbox shop was withdrawn');
      await c.closedByServer();
      expect(await refusals('carol/shop', 'pw-carol')).toEqual([REFUSED, REFUSED]);
    } finally {
      c.close();
    }
  });

  it('ends the sessions of a removed inbox with BYE and leaves the others be', async () => {
    const created = box.directory.create('mr-7', undefined);
    if ('error' in created) throw new Error(created.text);
    await created.inbox.delivery.deliver({ raw: Buffer.from('Subject: In mr-7\r\n\r\nbody\r\n'), envelope: { mailFrom: '', rcptTo: ['dev@mr.test'] } });
    const doomed = await loggedIn(box.port('imap'), 'ops/mr-7', 'pw-ops');
    const other = await loggedIn(box.port('imap'), 'ops/shop', 'pw-ops');
    try {
      expect(await doomed.command('b', 'SELECT INBOX')).toContain('* 1 EXISTS');
      doomed.write('c IDLE\r\n');
      expect(await doomed.line()).toBe('+ idling');
      expect(box.directory.remove('mr-7')).toBe(true);
      expect(await doomed.line()).toBe('* BYE Inbox mr-7 was removed');
      await doomed.closedByServer();
      expect((await other.command('b', 'STATUS INBOX (MESSAGES)')).at(-1)).toMatch(/^b OK/);
      expect(await refusals('ops/mr-7', 'pw-ops')).toEqual([REFUSED, REFUSED]);
    } finally {
      doomed.close();
      other.close();
    }
  });
});

/** imaplib's login (or login_cram_md5), then the INBOX subjects, once per attempt; prints the outcomes as JSON. */
const IMAPLIB = `
import imaplib, json, sys
outcomes = []
for user, password, how in json.loads(sys.argv[2]):
    imap = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
    try:
        if how == "cram":
            imap.login_cram_md5(user, password)
        else:
            imap.login(user, password)
    except imaplib.IMAP4.error as error:
        outcomes.append({"error": str(error)})
        imap.shutdown()
        continue
    imap.select("INBOX", readonly=True)
    typ, data = imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    outcomes.append({"subjects": [part[1].decode().strip()[len("Subject: "):] for part in data if isinstance(part, tuple)]})
    imap.logout()
print(json.dumps(outcomes))
`;

describe.runIf(requireTool('python3'))('python3 imaplib with team inboxes', () => {
  it('logs in to an inbox, or to an address within it, and is refused alike otherwise', async () => {
    const attempts = [
      ['bob/billing', 'pw-bob', 'login'],
      ['ops/shop/bob@blue.com', 'pw-ops', 'login'],
      ['bob/ci', 'pw-bob', 'login'],
      ['bob/billing', 'pw-alice', 'login'],
      ['bob', 'pw-bob', 'login'],
      ['alice/shop', 'pw-alice', 'cram'],
    ];
    const { stdout } = await promisify(execFile)('python3', ['-c', IMAPLIB, String(box.port('imap')), JSON.stringify(attempts)], { encoding: 'utf8' });
    const refused = { error: "b'[AUTHENTICATIONFAILED] Invalid credentials'" };
    expect(JSON.parse(stdout)).toEqual([
      { subjects: ['Invoice 9', 'Billing while idle', 'Billing for notify'] },
      { subjects: ['For Bob'] },
      refused,
      refused,
      { error: "b'[AUTHORIZATIONFAILED] bob may read several inboxes; log in as bob/INBOX, INBOX one of: billing, shop'" },
      { error: expect.stringContaining('Unsupported mechanism CRAM-MD5') },
    ]);
  });
});
