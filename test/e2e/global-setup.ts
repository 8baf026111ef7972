import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';

/** Newest modification time under a path (file or folder). */
function newest(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * Browser tests drive the built inbox (dist/ui) as the server serves it: build it once
 * per test run when it is missing or older than its sources.
 */
export default async function setup(): Promise<void> {
  const built = statSync('dist/ui/index.html', { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(newest('ui'), newest('vite.config.ts'));
  if (built >= sources) return;
  // Vitest sets NODE_ENV=test, which would give a development build (with preact/debug).
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({ configFile: 'vite.config.ts', logLevel: 'warn', mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
}
