#!/usr/bin/env node
/**
 * `npm start`'s first step: runs `npm run build` only when a source is newer than the
 * build, so a start after `npm ci` (whose `prepare` builds) takes a fraction of a second
 * and a start after an edit still runs what was edited. Plain JavaScript, so the check
 * itself loads nothing but Node.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['server', 'ui', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'vite.config.ts'];
const OUTPUTS = ['dist/server/main.js', 'dist/ui/index.html'];

/** Newest modification time under a path (file or folder); 0 when it is missing. */
function newest(path) {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = Math.min(...OUTPUTS.map((path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0));
if (built < Math.max(...SOURCES.map(newest))) {
  const npm = process.env.npm_execpath;
  // Under npm, run the same npm that runs us; alone, the one on PATH.
  const result = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' }) : spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
