import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localRegistry } from '../../server/inboxes/dynamic-inboxes.js';
import { createLogger, silentLogger } from '../../server/lib/log.js';

describe('the saved list of inboxes made through the API', () => {
  let dataDir = '';
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps a damaged list aside, so the next save does not write over the only copy', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'letterbox-dynamic-'));
    await mkdir(join(dataDir, 'inboxes'));
    const damaged = '[{"name":"mr-1","smtpUser":"mr-1.abcd0123","smtpHash":"$2a$06$x","expiresAt":null}';
    await writeFile(join(dataDir, 'inboxes', 'dynamic.json'), damaged);
    const registry = localRegistry(dataDir, silentLogger);
    expect(await registry.list()).toEqual([]);
    expect(await registry.add({ name: 'mr-2', smtpUser: 'mr-2.0123abcd', smtpHash: '$2a$06$y', expiresAt: null })).toBe(true);
    const aside = (await readdir(join(dataDir, 'inboxes'))).filter((name) => name.startsWith('dynamic.json.damaged-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dataDir, 'inboxes', aside[0] as string), 'utf8')).toBe(damaged);
  });

  it('leaves out an entry that is not one this version writes, and says which', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'letterbox-dynamic-'));
    await mkdir(join(dataDir, 'inboxes'));
    const good = { name: 'qa-1', smtpUser: 'qa-1.0123abcd', smtpHash: `$2a$06$${'a'.repeat(53)}`, expiresAt: null };
    const bad = [
      { ...good, name: 'Bad/Name', smtpUser: 'Bad/Name.0123abcd' },
      { ...good, name: 'qa-2', smtpUser: 'qa-2.0123abcd\r' },
      { ...good, name: 'qa-3', smtpUser: 'qa-3.0123abcd', smtpHash: 'plain' },
      { ...good, name: 'qa-4', smtpUser: 'qa-4.0123abcd', expiresAt: 'tomorrow' },
      'qa-5',
    ];
    await writeFile(join(dataDir, 'inboxes', 'dynamic.json'), JSON.stringify([good, ...bad]));
    const lines: string[] = [];
    const registry = localRegistry(dataDir, createLogger({ level: 'warn', format: 'json', write: (line) => lines.push(line) }));
    expect(await registry.list()).toEqual([good]);
    const warned = lines.map((line) => JSON.parse(line) as { msg: string; name: string });
    expect(warned.map((w) => w.msg)).toEqual(bad.map(() => 'an inbox kept for the API is not well formed; it is left out'));
    expect(warned.map((w) => w.name)).toEqual(['"Bad/Name"', '"qa-2"', '"qa-3"', '"qa-4"', '"undefined"']);
    expect(lines.join('\n')).not.toContain(good.smtpHash);
  });
});
