import { afterEach, describe, expect, it } from 'vitest';
import { createInboxDirectory, type ManagedInboxDirectory } from '../../server/inboxes/directory.js';
import { parseInboxesFile } from '../../server/inboxes/inboxes-file.js';
import { routingDelivery } from '../../server/inboxes/routing-delivery.js';
import { UNROUTED_TEXT } from '../../server/inboxes/router.js';
import { silentLogger } from '../../server/lib/log.js';
import { MemoryStore } from '../../server/store/memory-store.js';
import { TEAM } from './fixtures.js';
import { bytesOf } from '../helpers/stored-bytes.js';

const raw = (subject: string) => Buffer.from(`Subject: ${subject}\r\n\r\nbody\r\n`);

let directory: ManagedInboxDirectory;
afterEach(() => directory.close());

async function router(maxSize = Infinity) {
  directory = await createInboxDirectory({ file: parseInboxesFile(JSON.stringify(TEAM)), logger: silentLogger, maxSize });
  return routingDelivery(directory, maxSize, silentLogger);
}

const count = (name: string) => directory.get(name)?.store.stats().messages;

describe('the routing delivery', () => {
  it('files a message in every inbox routing names, holding its bytes once', async () => {
    const delivery = await router();
    const bytes = raw('both');
    const result = await delivery.deliver({ raw: bytes, envelope: { mailFrom: '', rcptTo: ['a@both.test'] } });
    expect(result.ok).toBe(true);
    const copies = await Promise.all(['billing', 'crm'].map((name) => directory.get(name)!.store).map((store) => bytesOf(store, store.messages()[0])));
    expect(copies).toEqual([bytes, bytes]);
    expect(copies[0]).toBe(copies[1]);
  });

  it('takes the AUTH user as a credential only for SMTP', async () => {
    const delivery = await router();
    await delivery.deliver({ raw: raw('api'), envelope: { mailFrom: '', rcptTo: ['a@billing.test'] }, client: { username: 'shop-app', via: 'api' } });
    expect([count('shop'), count('billing')]).toEqual([0, 1]);
    await delivery.deliver({ raw: raw('smtp'), envelope: { mailFrom: '', rcptTo: ['a@billing.test'] }, client: { username: 'shop-app', via: 'smtp' } });
    expect([count('shop'), count('billing')]).toEqual([1, 1]);
  });

  it('refuses what no rule routes with the reason unrouted and its text', async () => {
    const delivery = await router();
    const result = await delivery.deliver({ raw: raw('lost'), envelope: { mailFrom: '', rcptTo: ['a@nowhere.test'] } });
    expect(result).toEqual({ ok: false, refusal: { reason: 'unrouted', text: UNROUTED_TEXT } });
  });

  it('refuses a message past the size limit before routing it', async () => {
    const delivery = await router(10);
    expect(delivery.tooLarge(11)).toBe(true);
    const result = await delivery.deliver({ raw: raw('big'), envelope: { mailFrom: '', rcptTo: ['a@both.test'] } });
    expect(result).toEqual({ ok: false, refusal: { reason: 'too-large', maxSize: 10 } });
  });

  it('is all or none: when one inbox cannot save the message, the other copies are taken out again', async () => {
    const delivery = await router();
    const crm = directory.get('crm')?.store;
    if (!(crm instanceof MemoryStore)) throw new Error('crm is not a memory store');
    crm.setCommitter(() => Promise.reject(new Error('disk full')));
    const result = await delivery.deliver({ raw: raw('half'), envelope: { mailFrom: '', rcptTo: ['a@both.test'] } });
    expect(result).toEqual({ ok: false, refusal: { reason: 'not-saved' } });
    // The copy billing committed is taken out; crm's own delivery answered its failure.
    expect(count('billing')).toBe(0);
  });

  it('delivers a batch in order within each inbox', async () => {
    const delivery = await router();
    const result = await delivery.deliverAll([
      { raw: raw('one'), envelope: { mailFrom: '', rcptTo: ['a@shop.test'] } },
      { raw: raw('two'), envelope: { mailFrom: '', rcptTo: ['a@both.test'] } },
      { raw: raw('three'), envelope: { mailFrom: '', rcptTo: ['a@billing.test'] } },
    ]);
    expect(result.ok && result.messages.map((m) => m.summary.subject)).toEqual(['one', 'two', 'three']);
    expect(directory.get('billing')?.store.messages().map((m) => m.summary.subject)).toEqual(['two', 'three']);
  });
});
