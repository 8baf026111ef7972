import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readSources, SourceError } from '../../server/transfer/sources.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { runCli } from '../cli-tools/run-command.js';

const MESSAGE = 'To: bob@blue.com\r\nSubject: once\r\n\r\nbody\r\n';

async function read(paths: string[]): Promise<{ origins: string[]; notes: string[] }> {
  const origins: string[] = [];
  const notes: string[] = [];
  for await (const m of readSources(paths, { note: (line) => notes.push(line) })) origins.push(m.origin);
  return { origins, notes };
}

describe('import sources and symbolic links', () => {
  let root: string;
  let dir: string;
  const roots: string[] = [];
  beforeEach(async () => {
    // Real path: the notes name where links lead, and a temp folder may itself be a link.
    root = await realpath(await mkdtemp(join(tmpdir(), 'letterbox-links-')));
    roots.push(root);
    dir = join(root, 'mail');
    await mkdir(dir);
    await writeFile(join(dir, 'a.eml'), MESSAGE);
  });
  afterAll(async () => {
    for (const folder of roots) await rm(folder, { recursive: true, force: true });
  });

  it('a link back to the folder above is not followed: one message, and a note', async () => {
    await symlink('..', join(dir, 'back'));
    expect(await read([dir])).toEqual({ origins: [join(dir, 'a.eml')], notes: [`${join(dir, 'back')}: skipped, a symbolic link to ${root}, which holds it`] });
  });

  it('a link to the folder itself, or to one already read, is read once', async () => {
    await symlink('.', join(dir, 'self'));
    await mkdir(join(root, 'other'));
    await writeFile(join(root, 'other', 'b.eml'), MESSAGE);
    await symlink(join(root, 'other'), join(dir, 'l1'));
    await symlink(join(root, 'other'), join(dir, 'l2'));
    await symlink(join(dir, 'a.eml'), join(dir, 'z.eml'));
    const { origins, notes } = await read([dir]);
    expect(origins).toEqual([join(dir, 'a.eml'), join(dir, 'l1', 'b.eml')]);
    expect(notes).toEqual([
      `${join(dir, 'l2')}: skipped, a directory already read (through another link)`,
      `${join(dir, 'self')}: skipped, a symbolic link to ${dir}, which holds it`,
      `${join(dir, 'z.eml')}: skipped, a file already read (through another name or link)`,
    ]);
  });

  it('names a loop of links as such, not as a missing file', async () => {
    await symlink(join(root, 'y'), join(root, 'x'));
    await symlink(join(root, 'x'), join(root, 'y'));
    const loop = read([join(root, 'x')]);
    await expect(loop).rejects.toThrow(SourceError);
    await expect(loop).rejects.toThrow(`${join(root, 'x')}: too many levels of symbolic links (a loop of links)`);
    await symlink(join(root, 'gone'), join(dir, 'dangling.eml'));
    await expect(read([dir])).rejects.toThrow(`${join(dir, 'dangling.eml')}: a symbolic link to a missing file or directory`);
  });

  describe('letterbox import (a real process, a real Letterbox)', () => {
    let box: TestSandbox;
    beforeAll(async () => {
      box = await startTestSandbox({ pop3: null, imap: null, listen: null });
    });
    afterAll(() => box.stop(0));

    it('a folder holding a.eml and back -> .. imports one message and exits 0', async () => {
      await symlink('..', join(dir, 'back'));
      const result = await runCli(['import', '--smtp-addr', `127.0.0.1:${box.port('smtp')}`, dir]);
      expect(result.stdout).toBe('imported 1 message, 0 failed\n');
      expect(result.stderr).toBe(`letterbox import: ${join(dir, 'back')}: skipped, a symbolic link to ${root}, which holds it\n`);
      expect(result.status).toBe(0);
      expect(box.store.messages()).toHaveLength(1);
    });
  });
});
