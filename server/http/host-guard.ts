import { BlockList, isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import type { HttpConfig } from './options.js';
import type { HttpEnv } from './api.js';

/** Whether a request's Host header names this server; undefined = no Host header. */
export type HostCheck = (hostHeader: string | undefined) => boolean;

export const HOST_REFUSAL = 'Host header not allowed: add the name to --allowed-hosts';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** localhost, *.localhost (RFC 6761 §6.3), 127.0.0.0/8, ::1 (and their IPv4-mapped forms). */
export function isLoopbackName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const family = isIP(name);
  return family !== 0 && LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6');
}

/** The host name of a Host header or list entry (RFC 9110 §7.2: uri-host [":" port]), lower case, no brackets. */
export function hostName(value: string): string | undefined {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]\s/@]+))(?::\d*)?$/i.exec(value.trim());
  const name = match?.[1] ?? match?.[2];
  return name?.toLowerCase().replace(/\.$/, '');
}

/**
 * The DNS-rebinding guard. A page on an attacker's domain whose name is re-pointed at
 * 127.0.0.1 becomes same-origin with a loopback listener, and the browser then sends
 * that domain as Host. So a loopback listener answers only loopback names, --hostname
 * and --allowed-hosts. A listener bound beyond loopback is reached under names nobody
 * listed (a container's, a LAN address), so it checks only when --allowed-hosts is
 * given. Returns null when any Host is accepted.
 */
export function hostCheck(config: Pick<HttpConfig, 'allowedHosts' | 'hostname'>, bindHost: string): HostCheck | null {
  if (config.allowedHosts.includes('*')) return null;
  if (config.allowedHosts.length === 0 && !isLoopbackName(bindHost)) return null;
  const named = new Set([config.hostname, ...config.allowedHosts].map(hostName).filter((name) => name !== undefined));
  return (header) => {
    // An HTTP/1.0 request may carry no Host; a browser always sends one.
    if (header === undefined) return true;
    const name = hostName(header);
    return name !== undefined && (isLoopbackName(name) || named.has(name));
  };
}

/** Refuses, before any route or auth runs, a request whose Host this server does not answer to. */
export function hostGuard(allowed: HostCheck | null, openPaths: ReadonlySet<string>): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    if (allowed && !openPaths.has(c.req.path) && !allowed(c.req.header('host'))) return c.json({ Error: HOST_REFUSAL }, 403);
    await next();
  };
}
