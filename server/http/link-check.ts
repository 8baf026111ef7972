import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { requestPinned, resolvePinned } from '../security/pinned-request.js';
import type { LinkCheckResponse, LinkStatus } from '../shapes/wire-types.js';

export interface LinkCheckOptions {
  /** Follow redirects (up to MAX_REDIRECTS) and report where they end. */
  follow: boolean;
  /** Let requests reach loopback, private and other special-use addresses. */
  allowInternal: boolean;
  timeoutMs?: number;
  /** The whole check's time (TOTAL_MS): links not begun by then are reported unchecked. */
  totalMs?: number;
}

/** Requests in flight at once, as Mailpit. */
const PARALLEL = 5;
/** Links checked per message at most; a message with thousands would tie the server up. */
export const MAX_LINKS = 100;
const MAX_REDIRECTS = 10;
const TIMEOUT_MS = 5_000;
/**
 * A check is one request of the user's: 100 links each slow to answer and redirecting
 * ten times could hold it half an hour. Past this, what is left is said, not asked.
 */
const TOTAL_MS = 30_000;

/**
 * Mailpit's link check: a HEAD request to each http(s) link of a message, asked for
 * by the user. Each hop goes through security/pinned-request.ts (no internal address,
 * connection pinned to the checked one), so redirects are checked hop by hop.
 * A server that refuses HEAD (405, 501) is asked again with GET, as a browser would.
 */
export async function checkLinks(urls: readonly string[], options: LinkCheckOptions): Promise<LinkCheckResponse> {
  const unique = [...new Set(urls)].slice(0, MAX_LINKS);
  const links: LinkStatus[] = new Array(unique.length);
  const deadline = Date.now() + (options.totalMs ?? TOTAL_MS);
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const index = next++;
      links[index] = await checkLink(unique[index] as string, options, deadline);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, unique.length) }, worker));
  return { Errors: links.filter((l) => l.StatusCode === 0 || l.StatusCode >= 400).length, Links: links };
}

async function checkLink(url: string, options: LinkCheckOptions, deadline: number): Promise<LinkStatus> {
  let target = url;
  for (let hop = 0; ; hop++) {
    if (Date.now() >= deadline) return { URL: url, StatusCode: 0, Status: `not checked: the link check's ${(options.totalMs ?? TOTAL_MS) / 1000} s were up` };
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
async function ask(url: string, options: LinkCheckOptions): Promise<{ statusCode: number; headers: IncomingMessage['headers'] } | string> {
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http:' && scheme !== 'https:') return `${scheme} links are not checked`;
  const target = await resolvePinned(url, options.allowInternal);
  if (typeof target === 'string') return target;
  const send = (method: 'HEAD' | 'GET') =>
    requestPinned(target, { method, headers: { 'user-agent': 'Letterbox link check', accept: '*/*' }, timeoutMs: options.timeoutMs ?? TIMEOUT_MS }, (response) => {
      response.destroy();
      return { statusCode: response.statusCode ?? 0, headers: response.headers };
    });
  const head = await send('HEAD');
  return typeof head !== 'string' && (head.statusCode === 405 || head.statusCode === 501) ? send('GET') : head;
}
