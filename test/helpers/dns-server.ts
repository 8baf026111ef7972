/**
 * A tiny authoritative DNS server for tests, on 127.0.0.1 port 0 (UDP), answering
 * MX, A and AAAA from a table. A name can also be made to answer NXDOMAIN, SERVFAIL,
 * or nothing at all (to exercise resolver timeouts). Real packets, built with
 * dns-packet, so node:dns's Resolver is tested exactly as it meets a real server.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import * as dnsPacket from 'dns-packet';

export type DnsBehaviour = 'nxdomain' | 'servfail' | 'silent';

export interface DnsZone {
  /** `example.com` → its MX records; an exchange of '.' is a null MX (RFC 7505). */
  mx?: Record<string, Array<{ preference: number; exchange: string }>>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
  /** Names answered with an error (or not answered), whatever the record type. */
  behaviour?: Record<string, DnsBehaviour>;
}

export interface TestDnsServer {
  /** `127.0.0.1:PORT`, as --dns-server and Resolver.setServers take it. */
  readonly address: string;
  readonly port: number;
  readonly zone: DnsZone;
  /** Every question asked, in order (`MX blue.com`), to assert what was looked up. */
  readonly asked: string[];
  close(): Promise<void>;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

export async function startDnsServer(zone: DnsZone): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const asked: string[] = [];
  socket.on('message', (bytes: Buffer, from: RemoteInfo) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(bytes);
    } catch {
      return; // not DNS: a real server drops it too
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    asked.push(`${question.type} ${name}`);
    const behaviour = zone.behaviour?.[name];
    if (behaviour === 'silent') return;
    const rcode = behaviour === 'nxdomain' ? RCODE.NXDOMAIN : behaviour === 'servfail' ? RCODE.SERVFAIL : knows(zone, name) ? RCODE.NOERROR : RCODE.NXDOMAIN;
    const answers = rcode === RCODE.NOERROR ? answersFor(zone, question.type, name) : [];
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: [question],
      answers,
    });
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const port = socket.address().port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    zone,
    asked,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A name the zone holds any record for exists (NOERROR, maybe with no data); others are NXDOMAIN. */
function knows(zone: DnsZone, name: string): boolean {
  return [zone.mx, zone.a, zone.aaaa].some((table) => table !== undefined && name in table);
}

function answersFor(zone: DnsZone, type: string, name: string): dnsPacket.Answer[] {
  const ttl = 60;
  if (type === 'MX') {
    return (zone.mx?.[name] ?? []).map((mx) => ({ type: 'MX', name, ttl, data: { preference: mx.preference, exchange: mx.exchange } }));
  }
  if (type === 'A') return (zone.a?.[name] ?? []).map((ip) => ({ type: 'A', name, ttl, data: ip }));
  if (type === 'AAAA') return (zone.aaaa?.[name] ?? []).map((ip) => ({ type: 'AAAA', name, ttl, data: ip }));
  return [];
}
