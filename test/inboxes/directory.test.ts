import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createInboxDirectory, type InboxDirectoryOptions, type ManagedInboxDirectory, type Timers } from '../../server/inboxes/directory.js';
import { parseInboxesFile } from '../../server/inboxes/inboxes-file.js';
import { UNROUTED_TEXT } from '../../server/inboxes/router.js';
import { silentLogger } from '../../server/lib/log.js';

const FILE = {
  inboxes: {
    shop: { smtp: ['shop-app:s3cret'], recipients: ['*@shop.test'], maxMessages: 2 },
    billing: { smtp: [`billing-app:${bcrypt.hashSync('b-pass', 4)}`], recipients: ['billing.test', '*@shop.test'] },
    srs: { headers: { 'X-Application': 'srs' } },
  },
  users: {
    alice: { password: 'pw-alice', inboxes: ['shop'] },
    ops: { password: bcrypt.hashSync('pw-ops', 4), inboxes: ['*'] },
  },
};

const file = (value: unknown = FILE) => parseInboxesFile(JSON.stringify(value));
const raw = (headers = '') => Buffer.from(`${headers}Subject: hi\r\n\r\nbody\r\n`);
const input = (rcptTo: string[], authUser = '', headers = '') => ({ raw: raw(headers), envelope: { mailFrom: 'a@x.test', rcptTo }, authUser });

/** Timers run by hand: a TTL runs out when the test says so, without waiting. */
class ManualTimers implements Timers {
  readonly pending = new Map<number, { run: () => void; ms: number }>();
  #next = 0;
  setTimeout(run: () => void, ms: number): unknown {
    this.pending.set(++this.#next, { run, ms });
    return this.#next;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.run();
  }
}

let open: ManagedInboxDirectory[] = [];
afterEach(async () => {
  await Promise.all(open.map((d) => d.close()));
  open = [];
});

async function directory(options: Partial<InboxDirectoryOptions> = {}): Promise<ManagedInboxDirectory> {
  const made = await createInboxDirectory({ file: file(), logger: silentLogger, maxSize: Infinity, ...options });
  open.push(made);
  return made;
}

describe('the inbox directory', () => {
  it('holds one store per inbox, sorted by name', async () => {
    const dir = await directory();
    expect(dir.list().map((i) => i.name)).toEqual(['billing', 'shop', 'srs']);
    const shop = dir.get('shop');
    expect(shop?.dynamic).toBe(false);
    expect(shop?.store).not.toBe(dir.get('billing')?.store);
    expect(dir.get('nowhere')).toBeUndefined();
  });

  it('signs users in with plain and bcrypt passwords, and tells them only their inboxes', async () => {
    const dir = await directory();
    const alice = await dir.signIn('alice', 'pw-alice');
    expect(alice).toEqual({ name: 'alice', all: false });
    expect(await dir.signIn('alice', 'wrong')).toBeUndefined();
    expect(await dir.signIn('nobody', 'pw-alice')).toBeUndefined();
    const ops = await dir.signIn('ops', 'pw-ops');
    expect(ops?.all).toBe(true);
    if (!alice || !ops) throw new Error('sign-in failed');
    expect(dir.readable(alice).map((i) => i.name)).toEqual(['shop']);
    expect(dir.mayRead(alice, 'shop')).toBe(true);
    expect(dir.mayRead(alice, 'billing')).toBe(false);
    expect(dir.mayRead(alice, 'nowhere')).toBe(false);
    expect(dir.readable(ops).map((i) => i.name)).toEqual(['billing', 'shop', 'srs']);
    expect(dir.mayRead(ops, 'nowhere')).toBe(false);
  });

  it('checks SMTP credentials of every inbox, plain and bcrypt', async () => {
    const dir = await directory();
    expect(await dir.smtpSignIn('shop-app', 's3cret')).toBe(true);
    expect(await dir.smtpSignIn('billing-app', 'b-pass')).toBe(true);
    expect(await dir.smtpSignIn('shop-app', 'b-pass')).toBe(false);
    expect(await dir.smtpSignIn('alice', 'pw-alice')).toBe(false);
  });

  it('routes by header rule first, then the AUTH credential, then recipients', async () => {
    const dir = await directory();
    // A header rule beats the AUTH credential and the recipients.
    expect(dir.route(input(['bob@shop.test'], 'shop-app', 'X-Application: srs\r\n'))).toEqual({ ok: true, inboxes: ['srs'] });
    // The AUTH credential beats the recipients (which would name two inboxes).
    expect(dir.route(input(['bob@shop.test'], 'billing-app'))).toEqual({ ok: true, inboxes: ['billing'] });
    // Recipients: every inbox any of them matches, sorted.
    expect(dir.route(input(['bob@shop.test']))).toEqual({ ok: true, inboxes: ['billing', 'shop'] });
    expect(dir.route(input(['x@elsewhere.test', 'y@billing.test']))).toEqual({ ok: true, inboxes: ['billing'] });
    // A header value that differs does not match (exact, case kept).
    expect(dir.route(input(['x@elsewhere.test'], '', 'X-Application: SRS\r\n'))).toEqual({ ok: false, text: UNROUTED_TEXT });
  });

  it('sends unrouted mail to the unrouted inbox when the file names one', async () => {
    const dir = await directory({ file: file({ ...FILE, unrouted: 'srs' }) });
    expect(dir.route(input(['x@elsewhere.test']))).toEqual({ ok: true, inboxes: ['srs'] });
  });

  it('prunes an inbox past its own limit and leaves the others alone', async () => {
    const dir = await directory();
    const shop = dir.get('shop');
    const billing = dir.get('billing');
    if (!shop || !billing) throw new Error('missing inboxes');
    for (let i = 0; i < 4; i++) {
      await shop.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: ['a@shop.test'] } });
      await billing.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: ['a@shop.test'] } });
    }
    expect(shop.store.stats().messages).toBe(2);
    expect(billing.store.stats().messages).toBe(4);
  });

  it('keeps the global limits over all inboxes, pruning the oldest of all', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const dir = await directory({ globalLimits: { maxMessages: 3, maxBytes: Infinity }, clock: () => new Date((now += 1000)) });
    const [billing, shop, srs] = dir.list();
    if (!billing || !shop || !srs) throw new Error('missing inboxes');
    const first = await srs.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: [] } });
    await billing.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: [] } });
    await shop.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: [] } });
    await billing.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: [] } });
    await Promise.resolve();
    expect(first.ok && srs.store.get(first.message.id)).toBe(undefined);
    expect(srs.store.stats().messages + billing.store.stats().messages + shop.store.stats().messages).toBe(3);
    expect(billing.store.stats().messages).toBe(2);
  });

  it('makes an inbox with a fresh SMTP credential, which routes to it and signs in', async () => {
    const dir = await directory();
    const added: string[] = [];
    dir.on('added', ({ inbox }) => added.push(inbox.name));
    const made = dir.create('mr-1234', undefined);
    if ('error' in made) throw new Error(made.text);
    expect(made.inbox.dynamic).toBe(true);
    expect(made.inbox.expiresAt).toBeUndefined();
    expect(added).toEqual(['mr-1234']);
    expect(dir.get('mr-1234')).toBe(made.inbox);
    expect(await dir.smtpSignIn(made.smtpUser, made.smtpPassword)).toBe(true);
    expect(await dir.smtpSignIn(made.smtpUser, 'guess')).toBe(false);
    expect(dir.route(input(['x@shop.test'], made.smtpUser))).toEqual({ ok: true, inboxes: ['mr-1234'] });
    const ops = await dir.signIn('ops', 'pw-ops');
    const alice = await dir.signIn('alice', 'pw-alice');
    if (!ops || !alice) throw new Error('sign-in failed');
    expect(dir.mayRead(ops, 'mr-1234')).toBe(true);
    expect(dir.mayRead(alice, 'mr-1234')).toBe(false);
  });

  it('refuses a bad name, a name in use and a bad TTL', async () => {
    const dir = await directory();
    expect(dir.create('Bad Name', undefined)).toMatchObject({ error: 'invalid-name' });
    expect(dir.create('shop', undefined)).toMatchObject({ error: 'exists' });
    expect(dir.create('ok', -5)).toMatchObject({ error: 'invalid-ttl' });
    expect(dir.create('ok', undefined)).not.toHaveProperty('error');
    expect(dir.create('ok', undefined)).toMatchObject({ error: 'exists' });
  });

  it('removes an inbox and its mail: announced, then gone from routing and reading', async () => {
    const dir = await directory();
    const made = dir.create('ci-1', undefined);
    if ('error' in made) throw new Error(made.text);
    await made.inbox.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: [] } });
    const removed: Array<{ name: string; messages: number }> = [];
    dir.on('removed', ({ inbox }) => removed.push({ name: inbox.name, messages: inbox.store.stats().messages }));
    expect(dir.remove('ci-1')).toBe(true);
    expect(dir.remove('ci-1')).toBe(false);
    // The event comes while the store still holds its mail; the mail goes after.
    expect(removed).toEqual([{ name: 'ci-1', messages: 1 }]);
    expect(dir.get('ci-1')).toBeUndefined();
    expect(await dir.smtpSignIn(made.smtpUser, made.smtpPassword)).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(made.inbox.store.stats().messages).toBe(0);
  });

  it('stops routing to a file inbox removed at run time', async () => {
    const dir = await directory({ file: file({ ...FILE, unrouted: 'srs' }) });
    expect(dir.remove('shop')).toBe(true);
    expect(dir.route(input(['bob@shop.test']))).toEqual({ ok: true, inboxes: ['billing'] });
    expect(await dir.smtpSignIn('shop-app', 's3cret')).toBe(false);
    expect(dir.remove('srs')).toBe(true);
    expect(dir.route(input(['x@elsewhere.test']))).toEqual({ ok: false, text: UNROUTED_TEXT });
  });

  it('removes an inbox by itself when its TTL runs out', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const timers = new ManualTimers();
    const dir = await directory({ timers, clock: () => new Date(now) });
    const made = dir.create('short', 60_000);
    if ('error' in made) throw new Error(made.text);
    expect(made.inbox.expiresAt?.toISOString()).toBe('2030-01-01T00:01:00.000Z');
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([60_000]);
    const removed = new Promise<string>((resolve) => dir.on('removed', ({ inbox }) => resolve(inbox.name)));
    now += 60_000;
    timers.fireAll();
    expect(await removed).toBe('short');
    expect(dir.get('short')).toBeUndefined();
  });

  it('waits for a TTL longer than a timer can hold in steps', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const timers = new ManualTimers();
    const dir = await directory({ timers, clock: () => new Date(now) });
    const made = dir.create('long', 40 * 24 * 3600_000);
    if ('error' in made) throw new Error(made.text);
    expect([...timers.pending.values()][0]?.ms).toBe(2 ** 31 - 1);
    now += 2 ** 31 - 1;
    timers.fireAll();
    expect(dir.get('long')).toBeDefined();
    expect([...timers.pending.values()][0]?.ms).toBe(40 * 24 * 3600_000 - (2 ** 31 - 1));
  });

  it('applies a new file: gone inboxes removed, new ones added, limits changed, users and routing swapped', async () => {
    const dir = await directory();
    const shop = dir.get('shop');
    if (!shop) throw new Error('no shop');
    const events: string[] = [];
    dir.on('added', ({ inbox }) => events.push(`+${inbox.name}`));
    dir.on('removed', ({ inbox }) => events.push(`-${inbox.name}`));
    await dir.apply(
      file({
        inboxes: { shop: { smtp: ['shop-app:new'], maxMessages: 7 }, crm: { recipients: ['crm.test'] } },
        users: { alice: { password: 'pw-alice', inboxes: ['shop', 'crm'] } },
      }),
    );
    expect(events).toEqual(['+crm', '-billing', '-srs']);
    expect(dir.get('shop')).toBe(shop);
    expect(shop.store.limits.maxMessages).toBe(7);
    expect(await dir.smtpSignIn('shop-app', 's3cret')).toBe(false);
    expect(await dir.smtpSignIn('shop-app', 'new')).toBe(true);
    expect(await dir.signIn('ops', 'pw-ops')).toBeUndefined();
    const alice = await dir.signIn('alice', 'pw-alice');
    if (!alice) throw new Error('alice');
    expect(dir.readable(alice).map((i) => i.name)).toEqual(['crm', 'shop']);
    expect(dir.route(input(['bob@crm.test']))).toEqual({ ok: true, inboxes: ['crm'] });
  });

  it('keeps inboxes and dynamic inboxes with their mail across a restart with a data directory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'letterbox-inboxes-'));
    const first = await createInboxDirectory({ file: file(), logger: silentLogger, maxSize: Infinity, dataDir });
    const made = first.create('mr-7', 3_600_000);
    if ('error' in made) throw new Error(made.text);
    const shop = first.get('shop');
    if (!shop) throw new Error('no shop');
    const kept = await shop.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: ['a@shop.test'] } });
    const keptDynamic = await made.inbox.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: ['a@x.test'] } });
    await first.close();

    const second = await directory({ dataDir });
    expect(second.list().map((i) => i.name)).toEqual(['billing', 'mr-7', 'shop', 'srs']);
    expect(kept.ok && (await second.get('shop')?.store.readRaw(kept.message.id))?.toString()).toBe(raw().toString());
    const again = second.get('mr-7');
    expect(again?.dynamic).toBe(true);
    expect(again?.expiresAt?.getTime()).toBe(made.inbox.expiresAt?.getTime());
    expect(keptDynamic.ok && again?.store.get(keptDynamic.message.id)).toBeTruthy();
    expect(await second.smtpSignIn(made.smtpUser, made.smtpPassword)).toBe(true);

    // Removed, it stays removed, and its mail does not come back with a new inbox of that name.
    second.remove('mr-7');
    await second.close();
    const third = await directory({ dataDir });
    expect(third.get('mr-7')).toBeUndefined();
    const fresh = third.create('mr-7', undefined);
    if ('error' in fresh) throw new Error(fresh.text);
    await fresh.inbox.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: [] } });
    expect(fresh.inbox.store.stats().messages).toBe(1);
  });

  it('keeps the mail of an inbox made again at once under the name of one just removed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'letterbox-inboxes-'));
    const first = await createInboxDirectory({ file: file(), logger: silentLogger, maxSize: Infinity, dataDir });
    first.create('ci-1', undefined);
    first.remove('ci-1');
    const again = first.create('ci-1', undefined);
    if ('error' in again) throw new Error(again.text);
    const kept = await again.inbox.delivery.deliver({ raw: raw(), envelope: { mailFrom: '', rcptTo: [] } });
    await first.close();
    const second = await directory({ dataDir });
    expect(kept.ok && second.get('ci-1')?.store.get(kept.message.id)).toBeTruthy();
  });

  it('starts an inbox service with each inbox and stops it when the inbox goes', async () => {
    const running = new Set<string>();
    const dir = await directory({
      services: ({ name }) => {
        running.add(name);
        return { stop: async () => void running.delete(name) };
      },
    });
    expect([...running].sort()).toEqual(['billing', 'shop', 'srs']);
    dir.create('tmp', undefined);
    expect(running.has('tmp')).toBe(true);
    dir.remove('tmp');
    await new Promise((resolve) => setImmediate(resolve));
    expect(running.has('tmp')).toBe(false);
    await dir.close();
    expect(running.size).toBe(0);
  });
});
