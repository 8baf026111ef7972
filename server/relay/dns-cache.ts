/**
 * A short-lived cache of DNS answers in front of the resolver, so a burst of
 * releases to one domain asks DNS once rather than three times per message. Answers
 * and definitive "no such name / no such record" replies are kept (negative caching,
 * RFC 2308); failures (SERVFAIL, timeouts) never are, so they are asked again.
 * (node:dns does not give MX TTLs, so one fixed lifetime applies to all.)
 */
import type { DnsResolver } from './mx-resolver.js';

export function cachingResolver(resolver: DnsResolver, ttlMs: number, now: () => number = Date.now): DnsResolver {
  if (ttlMs <= 0) return resolver;
  const cache = new Map<string, { until: number; answer: Promise<unknown> }>();
  const MAX_ENTRIES = 10_000;
  function cached<T>(kind: string, name: string, ask: () => Promise<T>): Promise<T> {
    const key = `${kind} ${name.toLowerCase()}`;
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.answer as Promise<T>;
    const answer = ask();
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(key, { until: now() + ttlMs, answer });
    answer.catch((error: unknown) => {
      const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
      if (code !== 'ENODATA' && code !== 'ENOTFOUND') cache.delete(key);
    });
    return answer;
  }
  return {
    resolveMx: (name) => cached('MX', name, () => resolver.resolveMx(name)),
    resolve4: (name) => cached('A', name, () => resolver.resolve4(name)),
    resolve6: (name) => cached('AAAA', name, () => resolver.resolve6(name)),
  };
}
