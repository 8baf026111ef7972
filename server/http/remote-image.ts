import { requestPinned, resolvePinned } from '../security/pinned-request.js';

export interface RemoteImage {
  contentType: string;
  body: Buffer;
}

export interface RemoteImageOptions {
  allowInternal: boolean;
  maxBytes?: number;
  timeoutMs?: number;
}

const MAX_BYTES = 10 * 1024 * 1024;
const TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 5;
/** image/png, image/svg+xml…: a type a browser shows in an <img>, never text or a script. */
const IMAGE_TYPE = /^image\/[a-z0-9][a-z0-9.+-]*$/i;

/**
 * Fetches one remote image of a message for the web inbox's screenshot, which must
 * inline every image it draws and may only fetch from this origin. Each hop goes
 * through security/pinned-request.ts (no internal address unless allowed, the
 * connection pinned to the checked address), the body is read up to a cap, and only
 * an image type is passed on. Returns the image, or why not.
 */
export async function fetchRemoteImage(href: string, options: RemoteImageOptions): Promise<RemoteImage | string> {
  const maxBytes = options.maxBytes ?? MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  let current = href;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const target = await resolvePinned(current, options.allowInternal);
    if (typeof target === 'string') return target;
    const answer = await requestPinned(
      target,
      { method: 'GET', headers: { 'user-agent': 'Letterbox screenshot', accept: 'image/*' }, timeoutMs },
      async (response): Promise<RemoteImage | { location: string } | string> => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && location) {
          response.destroy();
          return { location };
        }
        if (status !== 200) {
          response.destroy();
          return `the image answered HTTP ${status}`;
        }
        const contentType = (response.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
        if (!IMAGE_TYPE.test(contentType)) {
          response.destroy();
          return `not an image (${contentType || 'no Content-Type'})`;
        }
        const declared = Number(response.headers['content-length'] ?? 0);
        if (declared > maxBytes) {
          response.destroy();
          return `the image is larger than ${maxBytes} bytes`;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of response as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > maxBytes) {
            response.destroy();
            return `the image is larger than ${maxBytes} bytes`;
          }
          chunks.push(chunk);
        }
        return { contentType: contentType.toLowerCase(), body: Buffer.concat(chunks, size) };
      },
    );
    if (typeof answer === 'string' || 'body' in answer) return answer;
    try {
      current = new URL(answer.location, current).href;
    } catch {
      return 'redirect to an invalid URL';
    }
  }
  return `more than ${MAX_REDIRECTS} redirects`;
}
