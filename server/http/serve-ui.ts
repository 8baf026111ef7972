import { readFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import type { HttpEnv } from './api.js';
import { bodyBytes } from './body-bytes.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The installation's dist/ui: beside dist/server when built, or the repo's dist/ui from source. */
export function defaultUiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // <root>/server/http from source, <root>/dist/server/http when built.
  const twoUp = resolve(here, '..', '..');
  const root = basename(twoUp) === 'dist' ? dirname(twoUp) : twoUp;
  return join(root, 'dist', 'ui');
}

const FALLBACK_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Letterbox</title></head>
<body><main><h1>Letterbox</h1>
<p>The web inbox is not built here (run <code>npm run build</code>). The API is available:
<a href="api/v1/messages">api/v1/messages</a>, and its description at <a href="api/v1/openapi.json">api/v1/openapi.json</a>.</p>
</main></body></html>
`;

/** A hashed file name (Vite's `name-abc123.js`) never changes content: cache it for a year. */
function cacheControl(path: string): string {
  return /[-.][A-Za-z0-9_]{8,}\.[a-z0-9]+$/.test(path) && path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/** Text assets worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.map', '.txt', '.webmanifest']);

/**
 * Each compressible file gzipped once (keyed by path and modification time), so the
 * bundle travels at a third of its size without compressing it on every request.
 */
const gzipped = new Map<string, { mtimeMs: number; body: Buffer }>();

function gzipOnce(path: string, mtimeMs: number, body: Buffer): Buffer {
  const cached = gzipped.get(path);
  if (cached?.mtimeMs === mtimeMs) return cached.body;
  const body9 = gzipSync(body, { level: 9 });
  gzipped.set(path, { mtimeMs, body: body9 });
  return body9;
}

/** The file's bytes, gzipped when the client takes gzip and it is worth it. */
function fileResponse(c: Context, path: string, mtimeMs: number, body: Buffer, headers: Record<string, string>): Response {
  const compress = COMPRESSIBLE.has(extname(path).toLowerCase()) && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
  const vary = { ...headers, Vary: 'Accept-Encoding' };
  if (!compress) return c.body(bodyBytes(body), 200, vary);
  return c.body(bodyBytes(gzipOnce(path, mtimeMs, body)), 200, { ...vary, 'Content-Encoding': 'gzip' });
}

/**
 * Serves the built web inbox at the webroot: files from `dir`, index.html for `/` and
 * for any other GET that is not an API path (client-side routes), and a plain page
 * when the UI is not built. Registered last, so every API route wins.
 */
export function serveUi(app: Hono<HttpEnv>, options: { dir: string; webroot: string }): void {
  const root = resolve(options.dir);
  const readIndex = async (): Promise<{ body: Buffer; mtimeMs: number } | undefined> => {
    const path = join(root, 'index.html');
    const info = await stat(path).catch(() => undefined);
    const body = info && (await readFile(path).catch(() => undefined));
    return info && body ? { body, mtimeMs: info.mtimeMs } : undefined;
  };

  app.get('*', async (c, next) => {
    const below = c.req.path.startsWith(options.webroot) ? c.req.path.slice(options.webroot.length) : undefined;
    if (below === undefined || /^(api|view)\//.test(below) || /^(livez|readyz|metrics)$/.test(below)) return next();
    const relative = decodeSafe(below);
    if (relative === undefined) return c.text('400 bad path', 400);
    if (relative !== '' && relative !== 'index.html') {
      const file = resolve(root, relative);
      if (file.startsWith(root + sep)) {
        const info = await stat(file).catch(() => undefined);
        if (info?.isFile()) {
          return fileResponse(c, file, info.mtimeMs, await readFile(file), {
            'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
            'Cache-Control': cacheControl('/' + relative),
          });
        }
      }
      // A missing asset is a 404; a missing page is the app's own client-side route.
      if (relative.startsWith('assets/') || /\.[a-z0-9]{1,8}$/i.test(relative)) return c.text('404 page not found', 404);
    }
    const index = await readIndex();
    const headers = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' };
    if (!index) return c.body(FALLBACK_PAGE, 200, headers);
    return fileResponse(c, join(root, 'index.html'), index.mtimeMs, index.body, headers);
  });
}

function decodeSafe(path: string): string | undefined {
  try {
    const decoded = decodeURIComponent(path);
    return decoded.includes('\0') || decoded.split('/').includes('..') ? undefined : decoded;
  } catch {
    return undefined;
  }
}
