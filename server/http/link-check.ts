import { lookup } from 'node:dns/promises';
import { request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isSpecialUseAddress } from '../security/special-use-address.js';
import type { LinkCheckResponse, LinkStatus } from '../shapes/wire-types.js';

export interface LinkCheckOptions {
  /** Follow redirects (up to MAX_REDIRECTS) and report where they end. */
  follow: boolean;
  /** Let requests reach loopback, private and other special-use addresses. */
  allowInternal: boolean;
  timeoutMs?: number;
}

/** Requests in flight at once, as Mailpit. */
const PARALLEL = 5;
/** Links checked per message at most; a message with thousands would tie the server up. */
export const MAX_LINKS = 100;
const MAX_REDIRECTS = 10;
const TIMEOUT_MS = 5_000;

/**
 * Mailpit's link check: a HEAD request to each http(s) link of a message, asked for
 * by the user. Every request is a server-side fetch of an address a sender chose, so
 * each host is resolved first and refused when any of its addresses is loopback,
 * private or otherwise special-use (Mailpit's SSRF advisories GHSA-mpf7-p9x7-96r3 and
 * GHSA-w4mc-hhc6-xp28), and the connection then goes to the address that was checked,
 * so a second DNS answer cannot point it elsewhere. Redirects are checked hop by hop.
 * A server that refuses HEAD (405, 501) is asked again with GET, as a browser would.
 */
export async function checkLinks(urls: readonly string[], options: LinkCheckOptions): Promise<LinkCheckResponse> {
  const unique = [...new Set(urls)].slice(0, MAX_LINKS);
  const links: LinkStatus[] = new Array(unique.length);
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const index = next++;
      links[index] = await checkLink(unique[index] as string, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, unique.length) }, worker));
  return { Errors: links.filter((l) => l.StatusCode === 0 || l.StatusCode >= 400).length, Links: links };
}

async function checkLink(url: string, options: LinkCheckOptions): Promise<LinkStatus> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const answer = await ask(target, options);
    if (typeof answer === 'string') return { URL: url, StatusCode: 0, Status: answer };
    const location = answer.headers.location;
    if (!options.follow || answer.statusCode < 300 || answer.statusCode >= 400 || !location) {
      return { URL: url, StatusCode: answer.statusCode, Status: STATUS_CODES[answer.statusCode] ?? '' };
    }
    if (hop === MAX_REDIRECTS) return { URL: url, StatusCode: 0, Status: `more than ${MAX_REDIRECTS} redirects` };
    try {
      target = new URL(location, target).href;
    } catch {
      return { URL: url, StatusCode: 0, Status: 'redirect to an invalid URL' };
    }
  }
}

/** One request, HEAD then GET if HEAD is refused: the response head, or why there was none. */
async function ask(url: string, options: LinkCheckOptions): Promise<Pick<IncomingMessage, 'headers'> & { statusCode: number } | string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a valid URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `${parsed.protocol} links are not checked`;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    return `cannot resolve ${host}`;
  }
  if (!options.allowInternal && addresses.some((a) => isSpecialUseAddress(a.address))) {
    return `${host} is a loopback, private or special-use address (--allow-internal-http-requests permits it)`;
  }
  const pinned = addresses[0];
  if (!pinned) return `cannot resolve ${host}`;
  const head = await send(parsed, 'HEAD', pinned, options.timeoutMs ?? TIMEOUT_MS);
  if (typeof head !== 'string' && (head.statusCode === 405 || head.statusCode === 501)) return send(parsed, 'GET', pinned, options.timeoutMs ?? TIMEOUT_MS);
  return head;
}

function send(url: URL, method: 'HEAD' | 'GET', pinned: { address: string; family: number }, timeoutMs: number): Promise<{ statusCode: number; headers: IncomingMessage['headers'] } | string> {
  // Node asks for every address when it may try several families (autoSelectFamily); either way only the checked one is given.
  const pin: LookupFunction = (_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as (e: null, a: typeof pinned[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  return new Promise((resolve) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method, lookup: pin, headers: { 'user-agent': 'Letterbox link check', accept: '*/*' }, signal: AbortSignal.timeout(timeoutMs) },
      (response) => {
        resolve({ statusCode: response.statusCode ?? 0, headers: response.headers });
        response.destroy();
      },
    );
    request.once('error', (error) => resolve(error.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : error.message));
    request.end();
  });
}
