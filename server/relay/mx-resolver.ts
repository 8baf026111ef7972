/**
 * Where mail for a domain goes, as RFC 5321 §5.1 says: MX records by preference
 * (equal preferences in random order), each name resolved to its addresses; no MX
 * at all → the domain's own A/AAAA (the implicit MX); a null MX (RFC 7505) → the
 * domain takes no mail. The resolver is injected (node:dns's Resolver fits).
 */
import { leftOut } from './transcript.js';

export interface DnsResolver {
  resolveMx(name: string): Promise<Array<{ exchange: string; priority: number }>>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export interface MxHost {
  /** The exchange name (the domain itself for an implicit MX). */
  name: string;
  preference: number;
  /** IPv4 first, then IPv6, as found. Empty when the name has no address. */
  addresses: string[];
  implicit: boolean;
}

export type MxResolution =
  | { ok: true; domain: string; hosts: MxHost[]; /** The DNS answers, one line each, for history and the story. */ answer: string[] }
  | { ok: false; domain: string; temporary: boolean; reason: string; answer: string[] };

/**
 * Bounds on what one resolution asks and keeps. A domain's DNS is its owner's to fill:
 * 1,500 MX records of 3,500 addresses each cost 3,000 queries and tens of MB per
 * release when all were looked up and listed. RFC 5321 §5.1 orders MX hosts by
 * preference and a sender need not try them all; the release tries at most 10
 * addresses per round anyway (release-service.ts), so only the 10 most preferred
 * hosts are resolved, each keeping its first 10 addresses.
 */
export const MAX_MX_HOSTS = 10;
export const MAX_ADDRESSES_PER_HOST = 10;
/** Most bytes of DNS answer lines kept for a resolution (stored with every attempt). */
export const MAX_ANSWER_BYTES = 4 * 1024;

/** Codes node:dns uses for "this name or record does not exist" (definitive answers). */
const NO_SUCH_NAME = new Set(['ENOTFOUND']);
const NO_DATA = new Set(['ENODATA']);

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : 'EUNKNOWN';
}

/** Equal preferences shuffled (RFC 5321 §5.1: "randomize them to spread the load"). */
function orderByPreference<T extends { priority: number }>(records: T[], random: () => number): T[] {
  const keyed = records.map((record) => ({ record, tie: random() }));
  keyed.sort((a, b) => a.record.priority - b.record.priority || a.tie - b.tie);
  return keyed.map((k) => k.record);
}

type AddressLookup = { addresses: string[]; temporary: string | null; leftOut: number };

async function addressesOf(resolver: DnsResolver, name: string): Promise<AddressLookup> {
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const addresses: string[] = [];
  let temporary: string | null = null;
  let found = 0;
  for (const result of [v4, v6]) {
    if (result.status === 'fulfilled') {
      found += result.value.length;
      for (const address of result.value) if (addresses.length < MAX_ADDRESSES_PER_HOST) addresses.push(address);
    } else if (!NO_SUCH_NAME.has(codeOf(result.reason)) && !NO_DATA.has(codeOf(result.reason))) temporary = codeOf(result.reason);
  }
  return { addresses, temporary, leftOut: found - addresses.length };
}

/** `name A/AAAA: a, b (+N more not kept)`, as the answer lists it. */
function addressLine(name: string, found: AddressLookup): string {
  const more = found.leftOut > 0 ? ` (+${found.leftOut} more not kept)` : '';
  return `${name} A/AAAA: ${found.addresses.join(', ') || found.temporary || 'none'}${more}`;
}

/** The answer lines within MAX_ANSWER_BYTES (each line is already short), the rest counted. */
function bounded(answer: string[]): string[] {
  const kept: string[] = [];
  let bytes = 0;
  let cut = 0;
  for (const line of answer) {
    if (cut === 0 && bytes + line.length <= MAX_ANSWER_BYTES) {
      kept.push(line);
      bytes += line.length;
    } else cut += line.length;
  }
  if (cut > 0) kept.push(leftOut(cut));
  return kept;
}

export async function resolveMx(resolver: DnsResolver, domain: string, random: () => number = Math.random): Promise<MxResolution> {
  const resolution = await resolveUnbounded(resolver, domain, random);
  return { ...resolution, answer: bounded(resolution.answer) };
}

async function resolveUnbounded(resolver: DnsResolver, domain: string, random: () => number): Promise<MxResolution> {
  const answer: string[] = [];
  let records: Array<{ exchange: string; priority: number }>;
  try {
    records = await resolver.resolveMx(domain);
  } catch (error) {
    const code = codeOf(error);
    if (NO_SUCH_NAME.has(code)) {
      answer.push(`${domain} MX: NXDOMAIN`);
      return { ok: false, domain, temporary: false, reason: `${domain} does not exist (NXDOMAIN)`, answer };
    }
    if (!NO_DATA.has(code)) {
      answer.push(`${domain} MX: ${code}`);
      return { ok: false, domain, temporary: true, reason: `MX lookup for ${domain} failed (${code}), will retry`, answer };
    }
    records = [];
  }

  if (records.length === 0) {
    // RFC 5321 §5.1: no MX → the domain itself is the implicit MX, preference 0.
    answer.push(`${domain} MX: none, using its address (implicit MX)`);
    const found = await addressesOf(resolver, domain);
    answer.push(addressLine(domain, found));
    if (found.addresses.length > 0) return { ok: true, domain, hosts: [{ name: domain, preference: 0, addresses: found.addresses, implicit: true }], answer };
    if (found.temporary) return { ok: false, domain, temporary: true, reason: `address lookup for ${domain} failed (${found.temporary}), will retry`, answer };
    return { ok: false, domain, temporary: false, reason: `${domain} has no MX and no address`, answer };
  }

  // RFC 7505 §3: a single MX of "." at preference 0 says the domain accepts no mail.
  // A null MX mixed with other records is a misconfiguration; it still says "no mail".
  if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
    for (const record of records.slice(0, MAX_MX_HOSTS)) answer.push(`${domain} MX ${record.priority} ${record.exchange || '.'}`);
    if (records.length > MAX_MX_HOSTS) answer.push(`${domain} MX: ${records.length - MAX_MX_HOSTS} more records not listed`);
    return { ok: false, domain, temporary: false, reason: `${domain} accepts no mail (null MX, RFC 7505)`, answer };
  }

  // Only the most preferred hosts are resolved (MAX_MX_HOSTS); listed in the order DNS
  // gave them when all are kept, else in the order they are tried.
  const ordered = orderByPreference(records, random).slice(0, MAX_MX_HOSTS);
  for (const record of records.length > MAX_MX_HOSTS ? ordered : records) answer.push(`${domain} MX ${record.priority} ${record.exchange}`);
  if (records.length > MAX_MX_HOSTS) answer.push(`${domain} MX: ${records.length - MAX_MX_HOSTS} less preferred records not tried`);
  const lookups = await Promise.all(ordered.map((record) => addressesOf(resolver, record.exchange)));
  const hosts: MxHost[] = [];
  let temporary: string | null = null;
  ordered.forEach((record, i) => {
    const found = lookups[i] as AddressLookup;
    answer.push(addressLine(record.exchange, found));
    if (found.temporary) temporary = found.temporary;
    if (found.addresses.length > 0) hosts.push({ name: record.exchange, preference: record.priority, addresses: found.addresses, implicit: false });
  });
  if (hosts.length > 0) return { ok: true, domain, hosts, answer };
  if (temporary) return { ok: false, domain, temporary: true, reason: `address lookup for the MX hosts of ${domain} failed (${temporary}), will retry`, answer };
  return { ok: false, domain, temporary: false, reason: `no MX host of ${domain} has an address`, answer };
}
