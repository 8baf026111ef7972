import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isSpecialUseAddress } from './special-use-address.js';

/** A URL whose host was resolved and checked, and the one address a request may go to. */
export interface PinnedTarget {
  url: URL;
  address: { address: string; family: number };
}

/**
 * Every server-side fetch of a URL a sender chose (link check, remote images for a
 * screenshot) is an SSRF risk (Mailpit's advisories GHSA-mpf7-p9x7-96r3 and
 * GHSA-w4mc-hhc6-xp28). So the host is resolved first and refused when any of its
 * addresses is loopback, private or otherwise special-use, unless the operator allows
 * internal requests; the connection then goes to the address that was checked, so a
 * second DNS answer cannot point it elsewhere. Returns the target, or why not.
 */
export async function resolvePinned(href: string, allowInternal: boolean): Promise<PinnedTarget | string> {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return 'not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} URLs are not fetched`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    return `cannot resolve ${host}`;
  }
  if (!allowInternal && addresses.some((a) => isSpecialUseAddress(a.address))) {
    return `${host} is a loopback, private or special-use address (--allow-internal-http-requests permits it)`;
  }
  const address = addresses[0];
  return address ? { url, address } : `cannot resolve ${host}`;
}

/**
 * One request to a pinned target. `onResponse` gets the response and owns it (it must
 * consume or destroy it); the promise is its result, or why no response came.
 */
export function requestPinned<T>(
  target: PinnedTarget,
  init: { method: 'HEAD' | 'GET'; headers: Record<string, string>; timeoutMs: number },
  onResponse: (response: IncomingMessage) => Promise<T> | T,
): Promise<T | string> {
  const pinned = target.address;
  // Node asks for every address when it may try several families (autoSelectFamily); either way only the checked one is given.
  const pin: LookupFunction = (_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as (e: null, a: typeof pinned[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const signal = AbortSignal.timeout(init.timeoutMs);
  return new Promise((resolve) => {
    const request = (target.url.protocol === 'https:' ? httpsRequest : httpRequest)(
      target.url,
      { method: init.method, lookup: pin, headers: init.headers, signal },
      (response) => {
        Promise.resolve()
          .then(() => onResponse(response))
          .then(resolve, (error: Error) => resolve(error.name === 'AbortError' ? `no answer within ${init.timeoutMs} ms` : error.message));
      },
    );
    request.once('error', (error) => resolve(error.name === 'AbortError' ? `no answer within ${init.timeoutMs} ms` : error.message));
    request.end();
  });
}
