import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'build-if-stale.mjs');

/** A build that writes both outputs and counts how often it ran. */
const BUILD = `node -e "const fs=require('fs');fs.mkdirSync('dist/server',{recursive:true});fs.mkdirSync('dist/ui',{recursive:true});fs.writeFileSync('dist/server/main.js','');fs.writeFileSync('dist/ui/index.html','');fs.appendFileSync('builds','x')"`;

function check(cwd: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], { cwd, stdio: 'ignore', env: { ...process.env, npm_execpath: '' } });
    child.once('error', reject);
    child.once('close', resolve);
  });
}

describe("npm start's build step (scripts/build-if-stale.mjs)", () => {
  let project: string;
  const builds = async () => (await readFile(join(project, 'builds'), 'utf8').catch(() => '')).length;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'letterbox-stale-'));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'stale-check', private: true, scripts: { build: BUILD } }));
    await mkdir(join(project, 'server', 'http'), { recursive: true });
    await writeFile(join(project, 'server', 'http', 'app.ts'), 'export {};\n');
  });
  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('builds when there is no build, then not again while nothing changed', async () => {
    expect(await check(project)).toBe(0);
    expect(await builds()).toBe(1);
    expect(await check(project)).toBe(0);
    expect(await builds()).toBe(1);
  });

  it('builds again once a source file, however deep, is newer than the build', async () => {
    const later = new Date(Date.now() + 60_000);
    await utimes(join(project, 'server', 'http', 'app.ts'), later, later);
    expect(await check(project)).toBe(0);
    expect(await builds()).toBe(2);
  });

  it('builds again when one of the two outputs is missing', async () => {
    await rm(join(project, 'dist', 'ui', 'index.html'));
    expect(await check(project)).toBe(0);
    expect(await builds()).toBe(3);
  });
});
