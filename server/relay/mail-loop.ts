/**
 * Whether an SMTP destination is this very instance (RFC 5321 §5.1: a host that
 * finds itself in the MX list must not send to itself). Our own SMTP listeners are
 * known once bound; an address on them, or on any local interface when a listener
 * is bound to every interface, is us.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

export interface Endpoint {
  host: string;
  port: number;
}

const unmapped = (ip: string) => ip.replace(/^::ffff:/i, '').toLowerCase();

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

function localAddresses(): Set<string> {
  const all = new Set<string>(['::1']);
  for (const list of Object.values(networkInterfaces())) for (const entry of list ?? []) all.add(unmapped(entry.address));
  return all;
}

/**
 * Whether `ip:port` is one of our listeners. A host name is never judged here (no
 * lookup is made): the SMTP client asks again with the address it actually connected
 * to (SmtpTransaction.isSelf), which catches a smarthost given by name exactly.
 */
export function isOwnEndpoint(ip: string, port: number, own: readonly Endpoint[]): boolean {
  if (!isIP(ip)) return false;
  const target = unmapped(ip);
  for (const listener of own) {
    if (listener.port !== port) continue;
    const bound = unmapped(listener.host);
    if (bound === target) return true;
    if (bound === '0.0.0.0' || bound === '::') {
      if (isLoopback(target) || localAddresses().has(target)) return true;
    }
  }
  return false;
}
