#!/usr/bin/env node
/**
 * `npm start`'s first step: runs `npm run build` only when a source is newer than the
 * build, so a start after `npm ci` (whose `prepare` builds) takes a fraction of a second
 * and a start after an edit still runs what was edited. Plain JavaScript, so the check
 * itself loads nothing but Node. scripts/start.mjs calls it in the process that then
 * runs the server; run alone, it checks (and builds) and exits with the build's status.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCES = ['server', 'ui', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'vite.config.ts'];
const OUTPUTS = ['dist/server/main.js', 'dist/ui/index.html'];

/** Newest modification time under a path (file or folder); 0 when it is missing. */
function newest(path) {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Whether the build of the project in `root` is missing or older than a source. */
export function isStale(root = '.') {
  const built = Math.min(...OUTPUTS.map((path) => statSync(join(root, path), { throwIfNoEntry: false })?.mtimeMs ?? 0));
  return built < Math.max(...SOURCES.map((path) => newest(join(root, path))));
}

/** Builds when the build is stale; the build's exit status, or 0. */
export function buildIfStale() {
  if (!isStale()) return 0;
  const npm = process.env.npm_execpath;
  // Under npm, run the same npm that runs us; alone, the one on PATH.
  const result = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' }) : spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  return result.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(buildIfStale());
