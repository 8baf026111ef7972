import { isIP } from 'node:net';

/** A listener address as given on the command line: `HOST:PORT`, `:PORT`, `PORT`, or `[v6]:PORT`. */
export interface HostPort {
  host: string;
  port: number;
}

export class HostPortError extends Error {}

export function parseHostPort(value: string, defaultHost = '127.0.0.1'): HostPort {
  const text = value.trim();
  let host = defaultHost;
  let portText = text;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracketed) {
    host = bracketed[1] ?? defaultHost;
    portText = bracketed[2] ?? '';
  } else if (text.includes(':')) {
    const at = text.lastIndexOf(':');
    host = text.slice(0, at) || defaultHost;
    portText = text.slice(at + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new HostPortError(`"${value}" is not HOST:PORT with a port from 0 to 65535`);
  }
  if (host !== defaultHost && !isHost(host)) throw new HostPortError(`"${host}" is not a host name or IP address`);
  return { host, port: Number(portText) };
}

/**
 * An IP address (IPv6 unbracketed) or a host name: RFC 1123 §2.1 labels, with `_` too,
 * as container networks name services (`mail_relay`). Not a word with a space or a line
 * break in it, which would only fail later, at bind or connect, under another name.
 */
function isHost(host: string): boolean {
  const label = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
  return isIP(host) !== 0 || new RegExp(`^(?=.{1,253}$)${label}(?:\\.${label})*\\.?$`).test(host);
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Where a listener binds: its own host, else loopback, or every interface with --listen-all. */
export function resolveListenHost(at: HostPort, config: { listenAll: boolean }): HostPort {
  if (at.host) return at;
  return { host: config.listenAll ? '0.0.0.0' : '127.0.0.1', port: at.port };
}
