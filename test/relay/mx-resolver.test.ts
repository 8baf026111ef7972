import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMx } from '../../server/relay/mx-resolver.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';

let dns: TestDnsServer;
let resolver: Resolver;

/** 30 MX hosts (preferences 30 down to 1), each with 20 addresses. */
const MANY = Array.from({ length: 30 }, (_, i) => ({ preference: 30 - i, exchange: `mx${30 - i}.many.com` }));
const manyAddresses = (host: number) => Array.from({ length: 20 }, (_, i) => `127.1.${host}.${i + 1}`);

beforeAll(async () => {
  dns = await startDnsServer({
    mx: {
      'blue.com': [
        { preference: 20, exchange: 'backup.blue.com' },
        { preference: 10, exchange: 'mx1.blue.com' },
      ],
      'equal.com': [
        { preference: 10, exchange: 'a.equal.com' },
        { preference: 10, exchange: 'b.equal.com' },
        { preference: 5, exchange: 'first.equal.com' },
      ],
      'null.com': [{ preference: 0, exchange: '.' }],
      'nameless.com': [{ preference: 10, exchange: 'ghost.nameless.com' }],
      'partly.com': [
        { preference: 10, exchange: 'ghost.partly.com' },
        { preference: 20, exchange: 'mx.partly.com' },
      ],
      'broken-mx-host.com': [{ preference: 10, exchange: 'mx.broken-mx-host.com' }],
      'plain.com': [],
      'empty.com': [],
      'many.com': MANY,
    },
    a: {
      ...Object.fromEntries(MANY.map((mx) => [mx.exchange, manyAddresses(mx.preference)])),
      'mx1.blue.com': ['127.0.0.11'],
      'backup.blue.com': ['127.0.0.12'],
      'a.equal.com': ['127.0.0.21'],
      'b.equal.com': ['127.0.0.22'],
      'first.equal.com': ['127.0.0.20'],
      'plain.com': ['127.0.0.30'],
      'mx.partly.com': ['127.0.0.40'],
    },
    aaaa: { 'mx1.blue.com': ['::1'] },
    behaviour: { 'servfail.com': 'servfail', 'silent.com': 'silent', 'nxdomain.com': 'nxdomain', 'mx.broken-mx-host.com': 'servfail' },
  });
  resolver = new Resolver({ timeout: 300, tries: 1 });
  resolver.setServers([dns.address]);
});

afterAll(() => dns.close());

describe('MX resolution against a real DNS server', () => {
  it('orders MX hosts by preference and resolves each to its addresses', async () => {
    const result = await resolveMx(resolver, 'blue.com');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.hosts.map((h) => [h.name, h.preference, h.addresses])).toEqual([
      ['mx1.blue.com', 10, ['127.0.0.11', '::1']],
      ['backup.blue.com', 20, ['127.0.0.12']],
    ]);
    expect(result.answer).toContain('blue.com MX 10 mx1.blue.com');
  });

  it('shuffles equal preferences with the injected randomness, keeping preference order', async () => {
    const orders = new Set<string>();
    for (const seq of [[0.1, 0.9, 0.5], [0.9, 0.1, 0.5]]) {
      let i = 0;
      const result = await resolveMx(resolver, 'equal.com', () => seq[i++ % seq.length] as number);
      if (!result.ok) throw new Error(result.reason);
      expect(result.hosts[0]?.name).toBe('first.equal.com');
      orders.add(result.hosts.slice(1).map((h) => h.name).join(' '));
    }
    expect(orders).toEqual(new Set(['a.equal.com b.equal.com', 'b.equal.com a.equal.com']));
  });

  it('uses the domain\'s own address when it has no MX (implicit MX)', async () => {
    const result = await resolveMx(resolver, 'plain.com');
    expect(result).toMatchObject({ ok: true, hosts: [{ name: 'plain.com', preference: 0, addresses: ['127.0.0.30'], implicit: true }] });
  });

  it('fails permanently for a domain with neither MX nor address', async () => {
    expect(await resolveMx(resolver, 'empty.com')).toMatchObject({ ok: false, temporary: false, reason: 'empty.com has no MX and no address' });
  });

  it('fails permanently for a null MX (RFC 7505)', async () => {
    expect(await resolveMx(resolver, 'null.com')).toMatchObject({ ok: false, temporary: false, reason: expect.stringContaining('null MX') });
  });

  it('fails permanently for NXDOMAIN', async () => {
    expect(await resolveMx(resolver, 'nxdomain.com')).toMatchObject({ ok: false, temporary: false, reason: expect.stringContaining('NXDOMAIN') });
    expect(await resolveMx(resolver, 'unknown-to-the-zone.com')).toMatchObject({ ok: false, temporary: false });
  });

  it('fails temporarily for SERVFAIL', async () => {
    expect(await resolveMx(resolver, 'servfail.com')).toMatchObject({ ok: false, temporary: true, reason: expect.stringContaining('ESERVFAIL') });
  });

  it('fails temporarily when the server does not answer in time', async () => {
    expect(await resolveMx(resolver, 'silent.com')).toMatchObject({ ok: false, temporary: true, reason: expect.stringContaining('ETIMEOUT') });
  });

  it('fails permanently when the MX names a host without addresses', async () => {
    expect(await resolveMx(resolver, 'nameless.com')).toMatchObject({ ok: false, temporary: false, reason: 'no MX host of nameless.com has an address' });
  });

  it('skips an MX host without addresses and keeps the others', async () => {
    const result = await resolveMx(resolver, 'partly.com');
    expect(result).toMatchObject({ ok: true, hosts: [{ name: 'mx.partly.com', addresses: ['127.0.0.40'] }] });
  });

  it('resolves only the most preferred MX hosts, keeps a few addresses of each, and bounds the answer kept', async () => {
    const before = dns.asked.length;
    const result = await resolveMx(resolver, 'many.com');
    if (!result.ok) throw new Error(result.reason);
    // One MX query, then A and AAAA for 10 hosts: not 60 more for all 30.
    expect(dns.asked.length - before).toBe(1 + 2 * 10);
    expect(result.hosts.map((h) => h.preference)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.hosts[0]?.addresses).toEqual(manyAddresses(1).slice(0, 10));
    expect(result.answer).toContain('many.com MX: 20 less preferred records not tried');
    expect(result.answer).toContain(`mx1.many.com A/AAAA: ${manyAddresses(1).slice(0, 10).join(', ')} (+10 more not kept)`);
    expect(result.answer.join('\n').length).toBeLessThanOrEqual(4 * 1024 + 100);
  });

  it('fails temporarily when the MX host\'s address lookup fails', async () => {
    expect(await resolveMx(resolver, 'broken-mx-host.com')).toMatchObject({ ok: false, temporary: true });
  });
});
