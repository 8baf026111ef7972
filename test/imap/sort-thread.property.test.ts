import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { loggedIn } from './imap-client.js';

/**
 * SORT and THREAD over random mailboxes, against a reference model written plainly
 * here from what the generator put in each message (not from the server's parsers).
 */
let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** An RFC 5322 date-time for an instant, written in the given zone. */
function rfc5322Date(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  const zone = `${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offsetMinutes) / 60))}${two(Math.abs(offsetMinutes) % 60)}`;
  return `${WEEKDAYS[local.getUTCDay()]}, ${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]} ${local.getUTCFullYear()} ${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())} ${zone}`;
}

interface Person {
  local: string;
  name: string | null;
}
const person = fc.record({ local: fc.constantFrom('amy', 'Bob', 'carl', 'dora'), name: fc.constantFrom(null, 'Zoe', 'al', 'Mia Kay') });
const sent = fc.option(fc.record({ at: fc.integer({ min: 0, max: 6 * 24 }).map((h) => START + h * 3_600_000), zone: fc.constantFrom(0, 60, -300, 330) }), { nil: null });

const sortMail = fc.record({
  base: fc.constantFrom('apple', 'Banana', 'cherry pie', 'date'),
  prefix: fc.constantFrom('', 'Re: ', 'Fwd: ', 'RE: [x] ', '[tag] ', 'Re: Fw: ', 'fwd:'),
  trailer: fc.boolean(),
  from: person,
  to: person,
  cc: fc.option(person, { nil: null }),
  sent,
  arrived: fc.integer({ min: 0, max: 4 }).map((d) => START + d * DAY),
  padding: fc.integer({ min: 0, max: 300 }),
});
type SortMail = typeof sortMail extends fc.Arbitrary<infer T> ? T : never;

const address = (p: Person) => (p.name ? `${p.name} <${p.local}@x.org>` : `${p.local}@x.org`);
const display = (p: Person | null) => (p ? (p.name ?? `${p.local}@x.org`).toUpperCase() : '');

function sortRaw(m: SortMail): Buffer {
  const headers = [`From: ${address(m.from)}`, `To: ${address(m.to)}`, `Subject: ${m.prefix}${m.base}${m.trailer ? ' (fwd)' : ''}`];
  if (m.cc) headers.push(`Cc: ${address(m.cc)}`);
  if (m.sent) headers.push(`Date: ${rfc5322Date(m.sent.at, m.sent.zone)}`);
  return Buffer.from([...headers, '', 'x'.repeat(m.padding), ''].join('\r\n'));
}

const KEYS = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO'] as const;
type Key = (typeof KEYS)[number];

/** RFC 5256 §2.2 / RFC 5957: what each key compares, from the generator's own values. */
function keyOf(key: Key, m: SortMail, raw: Buffer): number | string {
  switch (key) {
    case 'ARRIVAL':
      return m.arrived;
    case 'DATE':
      return m.sent ? m.sent.at : m.arrived + 12 * 3_600_000;
    case 'SIZE':
      return raw.length;
    case 'SUBJECT':
      return m.base.toUpperCase();
    case 'FROM':
      return m.from.local.toUpperCase();
    case 'TO':
      return m.to.local.toUpperCase();
    case 'CC':
      return m.cc ? m.cc.local.toUpperCase() : '';
    case 'DISPLAYFROM':
      return display(m.from);
    case 'DISPLAYTO':
      return display(m.to);
  }
}

let users = 0;
async function selectedMailbox(raws: readonly Buffer[], arrived: (i: number) => number) {
  const user = `prop${++users}@blue.com`;
  for (const [i, raw] of raws.entries()) await box.store.deliver({ raw, envelope: { mailFrom: 'a@red.com', rcptTo: [user] }, receivedAt: new Date(arrived(i)) });
  const c = await loggedIn(box.port('imap'), user);
  await c.command('S0', 'SELECT INBOX');
  return c;
}

/** A thread node of the model: a message number, or 0 for a dummy. */
interface Node {
  n: number;
  children: Node[];
}
const list = (node: Node): string => `(${members(node)})`;
function members(node: Node): string {
  const head = node.n ? String(node.n) : '';
  const [only] = node.children;
  if (node.children.length === 0) return head;
  const rest = node.children.length === 1 && only ? members(only) : node.children.map(list).join('');
  return head ? `${head} ${rest}` : rest;
}

describe('SORT against a reference model', () => {
  it('orders any messages by any criteria as the model does', async () => {
    const criterion = fc.record({ key: fc.constantFrom(...KEYS), reverse: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(sortMail, { minLength: 1, maxLength: 10 }), fc.array(criterion, { minLength: 1, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), async (mails, criteria, picked) => {
        const raws = mails.map(sortRaw);
        const c = await selectedMailbox(raws, (i) => (mails[i] as SortMail).arrived + 12 * 3_600_000);
        const chosen = mails.map((_, i) => i + 1).filter((n) => picked[n - 1]);
        const search = chosen.length > 0 ? chosen.join(',') : 'ALL';
        const expected = (chosen.length > 0 ? chosen : mails.map((_, i) => i + 1)).sort((a, b) => {
          for (const { key, reverse } of criteria) {
            const x = keyOf(key, mails[a - 1] as SortMail, raws[a - 1] as Buffer);
            const y = keyOf(key, mails[b - 1] as SortMail, raws[b - 1] as Buffer);
            if (x !== y) return (x < y ? -1 : 1) * (reverse ? -1 : 1);
          }
          return a - b;
        });
        const line = criteria.map((k) => (k.reverse ? `REVERSE ${k.key}` : k.key)).join(' ');
        expect(await c.command('A1', `SORT (${line}) UTF-8 ${search}`)).toEqual([`* SORT ${expected.join(' ')}`, 'A1 OK SORT completed']);
        c.close();
      }),
      { numRuns: 40 },
    );
  });

  it('THREAD ORDEREDSUBJECT groups by base subject as the model does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sortMail, { minLength: 1, maxLength: 10 }), async (mails) => {
        const c = await selectedMailbox(mails.map(sortRaw), (i) => (mails[i] as SortMail).arrived + 12 * 3_600_000);
        const date = (n: number) => keyOf('DATE', mails[n - 1] as SortMail, Buffer.alloc(0)) as number;
        const byDate = (a: number, b: number) => date(a) - date(b) || a - b;
        const groups = new Map<string, number[]>();
        mails.forEach((m, i) => groups.set(m.base.toUpperCase(), [...(groups.get(m.base.toUpperCase()) ?? []), i + 1]));
        const threads = [...groups.values()].map((numbers) => numbers.sort(byDate)).sort((a, b) => byDate(a[0] as number, b[0] as number));
        const expected = threads.map(([first, ...rest]) => list({ n: first as number, children: rest.map((n) => ({ n, children: [] })) })).join('');
        expect(await c.command('A1', 'THREAD ORDEREDSUBJECT UTF-8 ALL')).toEqual([`* THREAD ${expected}`, 'A1 OK THREAD completed']);
        c.close();
      }),
      { numRuns: 30 },
    );
  });
});

/**
 * One message of a reply forest: a new thread, a reply to a message not in the mailbox
 * (one of a few missing ids), or a reply to an earlier message. References always hold
 * the whole chain, so every link the server makes is one the model knows.
 */
const threadMail = fc.record({
  parent: fc.oneof(fc.constant({ kind: 'none' as const }), fc.record({ kind: fc.constant('missing' as const), id: fc.integer({ min: 0, max: 2 }) }), fc.record({ kind: fc.constant('earlier' as const), back: fc.nat() })),
  reply: fc.boolean(),
  sent,
});
type ThreadMail = typeof threadMail extends fc.Arbitrary<infer T> ? T : never;

describe('THREAD REFERENCES against a reference model', () => {
  it('builds the reply forest, dummies and sibling order as the model does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(threadMail, { minLength: 1, maxLength: 12 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), async (mails, picked) => {
        // chains[i]: the ids from the thread's root down to message i's parent.
        const chains: string[][] = [];
        mails.forEach((m, i) => {
          if (m.parent.kind === 'none' || i === 0) chains.push([]);
          else if (m.parent.kind === 'missing') chains.push([`gone${m.parent.id}@x`]);
          else {
            const j = m.parent.back % i;
            chains.push([...(chains[j] as string[]), `m${j + 1}@x`]);
          }
        });
        const raws = mails.map((m, i) => {
          const chain = chains[i] as string[];
          // Unique base subjects: threads are linked by references alone.
          const headers = [`Message-ID: <m${i + 1}@x>`, `Subject: ${m.reply && chain.length > 0 ? 'Re: ' : ''}topic ${i + 1}`];
          if (chain.length > 0) headers.push(`References: ${chain.map((id) => `<${id}>`).join(' ')}`);
          if (m.sent) headers.push(`Date: ${rfc5322Date(m.sent.at, m.sent.zone)}`);
          return Buffer.from([...headers, '', 'x', ''].join('\r\n'));
        });
        const c = await selectedMailbox(raws, () => START);
        const present = mails.map((_, i) => i + 1).filter((n) => picked[n - 1]);
        const numbers = present.length > 0 ? present : mails.map((_, i) => i + 1);
        const isPresent = new Set(numbers.map((n) => `m${n}@x`));
        const date = (n: number) => (mails[n - 1] as ThreadMail).sent?.at ?? START;
        // The model: a message's parent is its nearest ancestor in the result; with none,
        // it hangs under a dummy for its chain's root (kept only with two or more children).
        const nodes = new Map(numbers.map((n) => [n, { n, children: [] } as Node]));
        const top: Node[] = [];
        const dummies = new Map<string, Node>();
        for (const n of numbers) {
          const chain = chains[n - 1] as string[];
          const nearest = [...chain].reverse().find((id) => isPresent.has(id));
          const node = nodes.get(n) as Node;
          if (nearest) nodes.get(Number(nearest.slice(1, -2)))?.children.push(node);
          else if (chain.length === 0) top.push(node);
          else {
            const root = chain[0] as string;
            if (!dummies.has(root)) dummies.set(root, { n: 0, children: [] });
            dummies.get(root)?.children.push(node);
          }
        }
        for (const dummy of dummies.values()) top.push(...(dummy.children.length === 1 ? dummy.children : [dummy]));
        const first = (node: Node): number => (node.n ? node.n : first(node.children[0] as Node));
        const order = (a: Node, b: Node) => date(first(a)) - date(first(b)) || first(a) - first(b);
        const sortTree = (siblings: Node[]) => {
          for (const node of siblings) sortTree(node.children);
          siblings.sort(order);
        };
        sortTree(top);
        const expected = top.map(list).join('');
        const search = present.length > 0 ? present.join(',') : 'ALL';
        expect(await c.command('A1', `THREAD REFERENCES UTF-8 ${search}`)).toEqual([`* THREAD ${expected}`, 'A1 OK THREAD completed']);
        c.close();
      }),
      { numRuns: 60 },
    );
  });
});
