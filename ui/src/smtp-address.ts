/**
 * The address an app should use: `host` as a client library takes it (no brackets),
 * `text` as a person reads it (`[::1]:1025`). A listener bound to every interface
 * reports 0.0.0.0 or ::, which no app can dial, so the host the page was loaded from
 * stands in.
 */
export function dialableAddress(address: string): { host: string; port: string; text: string } | null {
  const match = /^(\[.*\]|[^:]*):(\d+)$/.exec(address);
  if (!match?.[1] || !match[2]) return null;
  const bound = match[1] === '0.0.0.0' || match[1] === '[::]' ? location.hostname || 'localhost' : match[1];
  const host = bound.replace(/^\[|\]$/g, '');
  return { host, port: match[2], text: `${host.includes(':') ? `[${host}]` : host}:${match[2]}` };
}
