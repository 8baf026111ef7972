import fc from 'fast-check';
import { ImapFlow } from 'imapflow';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { SEEN } from '../../server/store/types.js';
import { sendSmtp, startInboxSandbox, type InboxSandbox } from '../helpers/inbox-sandbox.js';
import { Pop3Dialogue } from '../pop3/pop3-dialogue.js';

/**
 * Isolation of team inboxes (issue "Nothing crosses"): random users, routing rules and
 * messages on a whole sandbox, mail in over real SMTP. A model says which messages each
 * user may see; every read route a user can reach (HTTP API, events, IMAP, POP3) must
 * show exactly those and no byte of the others: not their marker (in subject, body,
 * addresses and tag), and for an inbox she may not read, nothing but what an inbox that
 * does not exist answers.
 */

const NAMES = ['box-alpha', 'box-beta', 'box-gamma'] as const;
type Name = (typeof NAMES)[number];
/** An inbox made at run time (as the admin API does): only "*" users read it. */
const MADE = 'box-made';
const INBOXES: readonly string[] = [...NAMES, MADE];
/** An inbox name no file holds: what "not yours" must look like. */
const NONE = 'box-none';
const MARKER = /mk\d+n\d+z/g;
/** The tag a user's changes would leave on mail she may not read. */
const STOLEN = 'stolen';

/** How a message is routed: a header rule, else an inbox's SMTP credential, else its recipients (headers → AUTH → recipients). */
interface Mail {
  header: Name | undefined;
  auth: Name | undefined;
  recipients: Name[];
}
interface User {
  all: boolean;
  inboxes: Name[];
}
interface Case {
  users: User[];
  mails: Mail[];
}

const someNames = fc.subarray([...NAMES], { minLength: 1 });
const name = fc.constantFrom(...NAMES);
const caseArb: fc.Arbitrary<Case> = fc.record({
  users: fc.array(fc.record({ all: fc.boolean(), inboxes: someNames }), { minLength: 1, maxLength: 3 }),
  mails: fc.array(
    fc.record({ header: fc.option(name, { nil: undefined, freq: 3 }), auth: fc.option(name, { nil: undefined, freq: 3 }), recipients: fc.subarray([...NAMES]) }),
    { minLength: 2, maxLength: 6 },
  ),
});

/** The inboxes a message lands in by the documented order; empty when `"unrouted": "refuse"` turns it away. */
function routeOf(mail: Mail): Name[] {
  if (mail.header) return [mail.header];
  if (mail.auth) return [mail.auth];
  return [...mail.recipients];
}

const FILE_INBOXES = Object.fromEntries(
  NAMES.map((n) => [n, { smtp: [`${n}-app:pw-${n}`], recipients: [`*@${n}.test`], headers: { 'X-Team': n } }]),
);

let runs = 0;

describe('team inboxes: nothing crosses', () => {
  it('every read route shows a user exactly the mail of the inboxes she may read', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const run = ++runs;
        const users = c.users.map((u, i) => ({ name: `user${i}`, password: `pw-user${i}`, readable: u.all ? [...INBOXES] : [...u.inboxes], all: u.all }));
        const box = await startInboxSandbox({
          inboxes: FILE_INBOXES,
          users: Object.fromEntries(users.map((u) => [u.name, { password: u.password, inboxes: u.all ? ['*'] : u.readable }])),
          unrouted: 'refuse',
        });
        try {
          await checkCase(box, run, c, users);
        } finally {
          await box.stop(0);
        }
      }),
      { numRuns: 5 },
    );
  });
});

interface Reader {
  name: string;
  password: string;
  readable: string[];
  all: boolean;
}

async function checkCase(box: InboxSandbox, run: number, c: Case, users: Reader[]): Promise<void> {
  const base = `http://127.0.0.1:${box.port('http')}`;
  /** Markers of the mail each inbox holds, by the model. */
  const model = new Map<string, Set<string>>(INBOXES.map((n) => [n, new Set()]));
  const every = new Set<string>();
  const made = box.directory.create(MADE, undefined);
  if ('error' in made) throw new Error(made.text);

  // Live views first: every event a user's socket hears must be of her own inboxes' mail.
  const sockets = await Promise.all(users.flatMap((u) => u.readable.map(async (n) => ({ user: u, inbox: n, heard: await listen(base, u, `inbox/${n}`) }))));
  for (const u of users) {
    const refused = [...INBOXES.filter((x) => !u.readable.includes(x)), NONE].map((n) => `inbox/${n}`);
    for (const root of u.all ? refused : [...refused, 'all']) await expect(listen(base, u, root)).rejects.toThrow(/404/);
  }

  for (const [i, mail] of c.mails.entries()) {
    const marker = `mk${run}n${i}z`;
    const into = routeOf(mail);
    const sent = send(box, marker, mail);
    if (into.length === 0) {
      await expect(sent).rejects.toThrow(/550/);
      continue;
    }
    await sent;
    every.add(marker);
    for (const n of into) model.get(n)?.add(marker);
  }
  const madeMarker = `mk${run}n98z`;
  await send(box, madeMarker, { header: undefined, auth: undefined, recipients: [] }, { user: made.smtpUser, pass: made.smtpPassword });
  model.get(MADE)?.add(madeMarker);
  every.add(madeMarker);
  // A last message for every file inbox: once a socket hears it, it has heard all before it.
  const sentinel = `mk${run}n99z`;
  await send(box, sentinel, { header: undefined, auth: undefined, recipients: [...NAMES] });
  for (const n of NAMES) model.get(n)?.add(sentinel);
  every.add(sentinel);

  for (const s of sockets) {
    const heard = await s.heard(s.inbox === MADE ? madeMarker : sentinel);
    expect(markersIn(heard), `${s.user.name} events of ${s.inbox}`).toEqual(sorted(model.get(s.inbox)));
  }

  /** Message ids of each inbox, with their markers: the ids a user of another inbox will try. */
  const ids = INBOXES.flatMap((n) => (box.directory.get(n)?.store.messages() ?? []).map((m) => ({ inbox: n, id: m.id, marker: m.summary.subject })));

  for (const user of users) {
    const visible = new Set(user.readable.flatMap((n) => [...(model.get(n) ?? [])]));
    const foreign = [...every].filter((m) => !visible.has(m));
    const http = new HttpReader(base, user, foreign);
    await http.checkTop(model);
    for (const n of user.readable) {
      const own = model.get(n) ?? new Set<string>();
      const others = [...every].filter((m) => !own.has(m));
      const otherIds = ids.filter((x) => !own.has(x.marker)).map((x) => x.id);
      await http.checkInbox(`inbox/${n}`, copies([own]), others, otherIds);
      // MCP answers slowly (a server per call): one inbox of each user is enough to show it reads through her API.
      if (n === user.readable[0]) await http.checkMcp(`inbox/${n}`, own, others, otherIds);
    }
    // Every inbox together holds each inbox's copy of a message routed to several.
    if (user.all) await http.checkInbox('all', copies([...model.values()]), [], []);
    const hidden = INBOXES.filter((n) => !user.readable.includes(n));
    for (const root of [...hidden.map((n) => `inbox/${n}`), ...(user.all ? [] : ['all'])]) {
      await http.checkHidden(root, ids.filter((x) => `inbox/${x.inbox}` === root || root === 'all').map((x) => x.id));
    }
    await checkMailboxes(box, user, model, foreign);
  }
  // Mail a user sends through an inbox's API stays in that inbox, whatever its recipients match.
  for (const [i, user] of users.entries()) {
    const [inbox] = user.readable;
    if (user.all || !inbox) continue;
    const marker = `mk${run}n${90 + i}z`;
    const to = NAMES.map((n) => ({ Email: `to-${marker}@${n}.test` }));
    const answer = await fetch(`${base}/inbox/${inbox}/api/v1/send`, {
      method: 'POST',
      headers: basic(user),
      body: JSON.stringify({ From: { Email: `from-${marker}@sender.test` }, To: to, Subject: marker, Text: marker }),
    });
    expect(answer.status, `${user.name} sends through ${inbox}`).toBe(200);
    model.get(inbox)?.add(marker);
  }
  // Nothing a user changed by id or tag through one inbox reached the mail of another.
  for (const n of INBOXES) {
    const held = box.directory.get(n)?.store.messages() ?? [];
    expect(markersIn(held.map((m) => m.summary.subject).join(' ')), `${n} after every user`).toEqual(sorted(model.get(n)));
    expect(held.filter((m) => m.tags.includes(STOLEN) || m.flags.has(SEEN)).map((m) => m.summary.subject), n).toEqual([]);
  }
}

/** Sends one message over SMTP: a marker in its subject, body, addresses and tag; routed as `mail` says. */
async function send(box: InboxSandbox, marker: string, mail: Mail, credential?: { user: string; pass: string }): Promise<void> {
  const to = mail.recipients.length > 0 ? mail.recipients.map((n) => `to-${marker}@${n}.test`) : [`to-${marker}@nowhere.test`];
  const raw = [
    `From: from-${marker}@sender.test`,
    `To: ${to.join(', ')}`,
    `Subject: ${marker}`,
    `X-Tags: t${marker}`,
    ...(mail.header ? [`X-Team: ${mail.header}`] : []),
    'Content-Type: text/html; charset=utf-8',
    '',
    `<p>Body of ${marker} <a href="http://127.0.0.1:9/${marker}">link</a></p>`,
    '',
  ].join('\r\n');
  const auth = credential ?? (mail.auth && { user: `${mail.auth}-app`, pass: `pw-${mail.auth}` });
  await sendSmtp(box.port('smtp'), auth, { envelope: { from: `from-${marker}@sender.test`, to }, raw });
}

/** Opens a user's event socket on a root (`inbox/NAME` or `all`); the returned function waits for a marker and gives every frame heard until then. */
async function listen(base: string, user: Reader, root: string): Promise<(until: string) => Promise<string>> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/${root}/api/events`, { headers: basic(user) });
  const frames: string[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (data) => {
    frames.push(String(data));
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`events refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return async (until) => {
    while (!frames.some((f) => f.includes(until))) await new Promise<void>((resolve) => (wake = resolve));
    ws.close();
    return frames.join('\n');
  };
}

function basic(user: Reader): Record<string, string> {
  return { authorization: 'Basic ' + Buffer.from(`${user.name}:${user.password}`).toString('base64') };
}

/** How many copies of each marker the inboxes given hold together. */
function copies(inboxes: Array<Set<string>>): Map<string, number> {
  const count = new Map<string, number>();
  for (const inbox of inboxes) for (const marker of inbox) count.set(marker, (count.get(marker) ?? 0) + 1);
  return count;
}

function markersIn(text: string): string[] {
  return [...new Set(text.match(MARKER) ?? [])].sort();
}

function sorted(set: Set<string> | undefined): string[] {
  return [...(set ?? [])].sort();
}

interface Answer {
  status: number;
  text: string;
}

/** One user's HTTP reads; every answer is checked for the markers she must never see. */
class HttpReader {
  /** What an inbox that does not exist answers, by path below its root. */
  readonly #none = new Map<string, Answer>();

  constructor(
    private readonly base: string,
    private readonly user: Reader,
    private readonly foreign: string[],
  ) {}

  async get(path: string, method = 'GET', body?: unknown): Promise<Answer> {
    const response = await fetch(`${this.base}/${path}`, { method, headers: basic(this.user), ...(body !== undefined && { body: JSON.stringify(body) }) });
    const answer = { status: response.status, text: await response.text() };
    const leaked = markersIn(answer.text).filter((m) => this.foreign.includes(m));
    expect(leaked, `${this.user.name} ${method} /${path}`).toEqual([]);
    return answer;
  }

  /** One MCP tool call at a root (stateless streamable HTTP): the whole answer as text. */
  async mcp(root: string, name: string, args: Record<string, unknown>): Promise<string> {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } };
    const response = await fetch(`${this.base}/${root}/mcp`, {
      method: 'POST',
      headers: { ...basic(this.user), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(call),
    });
    const text = await response.text();
    expect(response.status, `${this.user.name} MCP ${name}: ${text}`).toBe(200);
    expect(markersIn(text).filter((m) => this.foreign.includes(m)), `${this.user.name} MCP ${name}`).toEqual([]);
    return text;
  }

  async json<T>(path: string, status = 200): Promise<T> {
    const answer = await this.get(path);
    expect(answer.status, `${this.user.name} GET /${path}: ${answer.text}`).toBe(status);
    return JSON.parse(answer.text) as T;
  }

  /** The webroot: the inboxes API, the picker, the metrics. */
  async checkTop(model: Map<string, Set<string>>): Promise<void> {
    const inboxes = await this.json<Array<{ Name: string; Messages: number }>>('api/v1/inboxes');
    expect(inboxes.map((i) => [i.Name, i.Messages])).toEqual(this.user.readable.map((n) => [n, model.get(n)?.size]));
    const picker = await this.get('');
    for (const n of INBOXES) expect(picker.text.includes(`inbox/${n}/`), `picker of ${this.user.name} links ${n}`).toBe(this.user.readable.includes(n));
    expect((await this.get('metrics')).status).toBe(this.user.all ? 200 : 404);
    // Routes of a root asked at the webroot itself belong to no inbox.
    for (const path of ['api/v1/messages', 'api/v1/search?query=mk', 'api/v1/tags', 'api/v1/info', 'view/latest']) expect((await this.get(path)).status, path).toBe(404);
  }

  /** A root she may read: its lists, counts, searches, tags and export are the model's; ids of other mail are unknown. */
  async checkInbox(root: string, held: Map<string, number>, others: string[], otherIds: string[]): Promise<void> {
    const who = `${this.user.name} ${root}`;
    const own = new Set(held.keys());
    const size = [...held.values()].reduce((sum, n) => sum + n, 0);
    const list = await this.json<{ messages: Array<{ Subject: string }>; messages_count: number; total: number }>(`${root}/api/v1/messages`);
    expect(markersIn(list.messages.map((m) => m.Subject).join(' ')), who).toEqual(sorted(own));
    expect([list.messages_count, list.total], who).toEqual([size, size]);
    const info = await this.json<{ Messages: number }>(`${root}/api/v1/info`);
    expect(info.Messages, who).toBe(size);
    const tags = await this.json<string[]>(`${root}/api/v1/tags`);
    expect(tags.filter((t) => t.startsWith('tmk')).sort(), who).toEqual(sorted(own).map((m) => `t${m}`));
    expect(markersIn((await this.get(`${root}/api/v1/export?format=mbox`)).text), `${who} export`).toEqual(sorted(own));
    for (const [marker, n] of held) {
      const found = await this.json<{ messages_count: number }>(`${root}/api/v1/search?query=${marker}`);
      expect(found.messages_count, `${who} search ${marker}`).toBe(n);
    }
    for (const marker of others) {
      const found = await this.json<{ messages_count: number }>(`${root}/api/v1/search?query=${marker}`);
      expect(found.messages_count, `${who} search ${marker}`).toBe(0);
      expect((await this.get(`${root}/api/v1/search?query=tag:t${marker}`)).status).toBe(200);
    }
    const first = others[0];
    if (first) expect((await this.get(`${root}/api/v1/wait?query=${first}&timeout=20ms`)).status, `${who} wait for ${first}`).toBe(408);
    // A few ids of other mail are enough: each route looks ids up the same way.
    for (const id of otherIds.slice(0, 4)) {
      const paths = ['', '/raw', '/headers', '/part/1', '/part/1/thumb', '/link-check', '/html-check', '/extract', '/releases', '/sa-check'].map((r) => `api/v1/message/${id}${r}`);
      for (const path of [...paths, `view/${id}.html`, `view/${id}.txt`]) {
        expect((await this.get(`${root}/${path}`)).status, `${who} ${path}`).toBeGreaterThanOrEqual(400);
      }
      expect((await this.get(`${root}/api/v1/message/${id}/release`, 'POST', { To: ['x@y.test'] })).status).toBeGreaterThanOrEqual(400);
      expect((await this.get(`${root}/api/v1/wait?after=${id}&timeout=20ms`)).status, `${who} wait after ${id}`).toBe(404);
    }
    // Changes by id or by tag reach this root's own mail only: what they would do elsewhere is checked at the end.
    if (otherIds.length > 0) {
      await this.get(`${root}/api/v1/tags`, 'PUT', { IDs: otherIds, Tags: [STOLEN] });
      await this.get(`${root}/api/v1/messages`, 'PUT', { IDs: otherIds, Read: true });
      await this.get(`${root}/api/v1/messages`, 'DELETE', { IDs: otherIds });
    }
    for (const marker of others) await this.get(`${root}/api/v1/tags/t${marker}`, 'PUT', { Name: STOLEN });
    expect((await this.get(`${root}/metrics`)).status).toBe(this.user.all ? 200 : 404);
  }

  /** The MCP tools of a root she may read: they call its API under her credentials, so they see what she sees. */
  async checkMcp(root: string, own: Set<string>, others: string[], otherIds: string[]): Promise<void> {
    expect(markersIn(await this.mcp(root, 'list_messages', { limit: 50 })), `${this.user.name} ${root} MCP list`).toEqual(sorted(own));
    const first = others[0];
    if (first) expect(markersIn(await this.mcp(root, 'search_messages', { query: first })), `${this.user.name} ${root} MCP search`).toEqual([]);
    for (const id of otherIds.slice(0, 2)) await this.mcp(root, 'get_message_source', { id });
  }

  /** A root she may not read answers every route exactly as one that does not exist. */
  async checkHidden(root: string, itsIds: string[]): Promise<void> {
    const paths = ['', 'api/v1/messages', 'api/v1/info', 'api/v1/tags', 'api/v1/search?query=mk', 'api/v1/export', 'api/v1/wait?timeout=20ms', 'metrics', 'view/latest'];
    for (const id of itsIds) paths.push(`api/v1/message/${id}`, `api/v1/message/${id}/raw`);
    for (const path of paths) {
      const hidden = await this.get(`${root}/${path}`);
      const none = this.#none.get(path) ?? (await this.get(`inbox/${NONE}/${path}`));
      this.#none.set(path, none);
      expect(hidden, `${this.user.name} /${root}/${path}`).toEqual(none);
      expect(hidden.status).toBe(404);
    }
  }
}

/** IMAP and POP3: each inbox she may read shows its mail and no other; others refuse her as a wrong password does. */
async function checkMailboxes(box: InboxSandbox, user: Reader, model: Map<string, Set<string>>, foreign: string[]): Promise<void> {
  const clean = (what: string, text: string) => expect(markersIn(text).filter((m) => foreign.includes(m)), what).toEqual([]);
  for (const n of user.readable) {
    const own = model.get(n) ?? new Set<string>();
    const imap = await imapRead(box, `${user.name}/${n}`, user.password, foreign);
    expect(imap.markers, `${user.name} IMAP ${n}`).toEqual(sorted(own));
    expect(imap.exists, `${user.name} IMAP STATUS ${n}`).toBe(own.size);
    clean(`${user.name} IMAP ${n}`, imap.text);
    const pop = await popRead(box, `${user.name}/${n}`, user.password);
    expect(pop.count, `${user.name} POP3 STAT ${n}`).toBe(own.size);
    expect(markersIn(pop.text), `${user.name} POP3 ${n}`).toEqual(sorted(own));
  }
  // A login alone opens her one inbox, or is refused naming only hers.
  const alone = await popLogin(box, user.name, user.password);
  clean(`${user.name} POP3 login alone`, alone);
  if (user.readable.length === 1) expect(alone).toMatch(/^\+OK/);
  else for (const n of INBOXES) if (!user.readable.includes(n)) expect(alone).not.toContain(n);
  const imapAlone = await imapRefusal(box, user.name, user.password);
  clean(`${user.name} IMAP login alone`, imapAlone);
  if (user.readable.length === 1) expect(imapAlone).toBe('signed in');
  else for (const n of INBOXES) if (!user.readable.includes(n)) expect(imapAlone).not.toContain(n);
  // An address of another inbox's mail, as a view within hers, holds nothing.
  const [mine] = user.readable;
  const [stranger] = foreign;
  if (mine && stranger) {
    const view = await popRead(box, `${user.name}/${mine}/to-${stranger}@${NAMES.find((n) => n !== mine)}.test`, user.password);
    expect(view.count, `${user.name} POP3 ${mine} as ${stranger}`).toBe(0);
  }
  const refusedNone = await popLogin(box, `${user.name}/${NONE}`, user.password);
  const imapNone = await imapRefusal(box, `${user.name}/${NONE}`, user.password);
  for (const n of INBOXES.filter((x) => !user.readable.includes(x))) {
    expect(await popLogin(box, `${user.name}/${n}`, user.password), `${user.name} POP3 ${n}`).toBe(refusedNone);
    expect(await imapRefusal(box, `${user.name}/${n}`, user.password), `${user.name} IMAP ${n}`).toBe(imapNone);
  }
  expect(refusedNone).toMatch(/^-ERR/);
}

async function imapRead(box: InboxSandbox, login: string, password: string, foreign: string[]): Promise<{ markers: string[]; exists: number; text: string }> {
  const client = new ImapFlow({ host: '127.0.0.1', port: box.port('imap'), secure: false, auth: { user: login, pass: password }, logger: false });
  await client.connect();
  try {
    const folders = await client.list();
    const status = await client.status('INBOX', { messages: true, unseen: true });
    await client.mailboxOpen('INBOX');
    const texts: string[] = [JSON.stringify(folders.map((f) => f.path)), JSON.stringify(status)];
    const all = (await client.search({ all: true }, { uid: true })) || [];
    if (all.length > 0) {
      for await (const message of client.fetch(all, { envelope: true, source: true }, { uid: true })) texts.push(message.envelope?.subject ?? '', message.source?.toString('latin1') ?? '');
    }
    for (const marker of foreign.slice(0, 3)) expect((await client.search({ body: marker })) || [], `${login} SEARCH BODY ${marker}`).toEqual([]);
    const text = texts.join('\n');
    return { markers: markersIn(text), exists: status ? (status.messages ?? -1) : -1, text };
  } finally {
    await client.logout();
  }
}

/** The text an IMAP login is refused with. */
async function imapRefusal(box: InboxSandbox, login: string, password: string): Promise<string> {
  const client = new ImapFlow({ host: '127.0.0.1', port: box.port('imap'), secure: false, auth: { user: login, pass: password }, logger: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    const { responseText, serverResponseCode } = error as { responseText?: string; serverResponseCode?: string };
    return `${serverResponseCode ?? ''} ${responseText ?? String(error)}`;
  }
  await client.logout();
  return 'signed in';
}

/** STAT, LIST, UIDL and RETR of every message, as one text. */
async function popRead(box: InboxSandbox, login: string, password: string): Promise<{ count: number; text: string }> {
  const d = await Pop3Dialogue.open(box.port('pop3'));
  try {
    await d.login(login, password);
    const stat = await d.command('STAT');
    const count = Number(/^\+OK (\d+)/.exec(stat)?.[1] ?? -1);
    const texts = [stat, ...(await d.multiline('LIST')).lines, ...(await d.multiline('UIDL')).lines];
    for (let i = 1; i <= count; i++) texts.push((await d.multiline(`RETR ${i}`)).body.toString('latin1'));
    await d.command('QUIT');
    return { count, text: texts.join('\n') };
  } finally {
    d.socket.destroy();
  }
}

/** The reply to PASS for a login. */
async function popLogin(box: InboxSandbox, login: string, password: string): Promise<string> {
  const d = await Pop3Dialogue.open(box.port('pop3'));
  try {
    await d.command(`USER ${login}`);
    return await d.command(`PASS ${password}`);
  } finally {
    d.socket.destroy();
  }
}
