import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localRegistry } from '../../server/inboxes/dynamic-inboxes.js';
import { silentLogger } from '../../server/lib/log.js';

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
});
