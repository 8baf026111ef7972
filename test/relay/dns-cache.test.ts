import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachingResolver } from '../../server/relay/dns-cache.js';
import { resolveMx } from '../../server/relay/mx-resolver.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';

let dns: TestDnsServer;
let resolver: Resolver;

beforeAll(async () => {
  dns = await startDnsServer({ mx: { 'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }] }, a: { 'mx.blue.com': ['127.0.0.1'] }, behaviour: { 'flaky.com': 'servfail' } });
  resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([dns.address]);
});
afterAll(() => dns.close());

describe('the DNS cache in front of release', () => {
  it('asks once for answers and for "no such record", until they expire', async () => {
    let now = 0;
    const cached = cachingResolver(resolver, 30_000, () => now);
    dns.asked.length = 0;
    await resolveMx(cached, 'blue.com');
    await resolveMx(cached, 'blue.com');
    expect(dns.asked).toEqual(['MX blue.com', 'A mx.blue.com', 'AAAA mx.blue.com']);
    now = 30_001;
    await resolveMx(cached, 'blue.com');
    expect(dns.asked).toHaveLength(6);
  });

  it('asks again after a failure', async () => {
    const cached = cachingResolver(resolver, 30_000);
    dns.asked.length = 0;
    expect(await resolveMx(cached, 'flaky.com')).toMatchObject({ ok: false, temporary: true });
    expect(await resolveMx(cached, 'flaky.com')).toMatchObject({ ok: false, temporary: true });
    expect(dns.asked).toEqual(['MX flaky.com', 'MX flaky.com']);
  });
});
