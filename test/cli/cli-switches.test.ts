import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../server/cli/export.js';
import { importCommand } from '../../server/cli/import.js';
import { commandOptions } from '../../server/cli/io.js';
import { migrateCommand } from '../../server/cli/migrate.js';
import { sendmail } from '../../server/cli/sendmail.js';
import { runCli, runInProcess } from '../cli-tools/run-command.js';

/**
 * A switch is on when given and off when left out; `--switch=VALUE` is a usage error in
 * every subcommand, never read as on (`--append=no` appending, `--keep-line-endings=false`
 * keeping them).
 */
describe('switches given =VALUE', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-switches-'));
    await writeFile(join(dir, 'unix.eml'), 'To: bob@blue.com\nSubject: unix\n\nbody\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('import --keep-line-endings=false: exit 64, said, before anything is read or sent (a real process)', async () => {
    // Port 9 (discard) on loopback: nothing is listening, and nothing must be tried.
    const result = await runCli(['import', '--smtp-addr', '127.0.0.1:9', '--keep-line-endings=false', join(dir, 'unix.eml')]);
    expect(result.status).toBe(64);
    expect(result.stderr).toMatch(/^letterbox import: --keep-line-endings takes no value \(got --keep-line-endings=false\): give --keep-line-endings alone/);
    expect(result.stdout).toBe('');
  });

  it('migrate --append=no: exit 64 before the folder or the database is looked at (a real process)', async () => {
    const result = await runCli(['migrate', '--data-dir', dir, '--database', 'postgres://nobody@127.0.0.1:9/none', '--append=no']);
    expect(result.status).toBe(64);
    expect(result.stderr).toMatch(/^letterbox migrate: --append takes no value \(got --append=no\)/);
  });

  it.each([
    ['import', ['--keep-line-endings=true', 'x.eml'], importCommand],
    ['import', ['--keep-line-endings=', 'x.eml'], importCommand],
    ['import', ['--help=yes'], importCommand],
    ['export', ['--help=no'], exportCommand],
    ['migrate', ['--data-dir', '/tmp', '--database', 'postgres://a@127.0.0.1:9/b', '--append=yes'], migrateCommand],
    ['migrate', ['--help=1'], migrateCommand],
    ['sendmail', ['--help=0'], sendmail],
  ] as const)('%s %j is a usage error', async (name, argv, command) => {
    const result = await runInProcess(command, [...argv]);
    expect(result.status).toBe(64);
    expect(result.stderr).toMatch(new RegExp(`^letterbox ${name}: --[a-z-]+ takes no value \\(got --[a-z-]+=[a-z0-9]*\\)`));
  });

  it('a switch alone and options with values, attached or not, read as before', () => {
    const read = (argv: string[]) => {
      const out: Array<[string, string]> = [];
      for (const option of commandOptions(argv)) {
        if (option.name === '--on') out.push([option.name, String(option.flag())]);
        else if (option.name.startsWith('--')) out.push([option.name, option.value()]);
        else out.push(['arg', option.arg]);
      }
      return out;
    };
    expect(read(['--on', '--to', 'a@b.c', '--from=x=y', 'path', '--to='])).toEqual([
      ['--on', 'true'],
      ['--to', 'a@b.c'],
      ['--from', 'x=y'],
      ['arg', 'path'],
      ['--to', ''],
    ]);
    expect(() => read(['--to'])).toThrow('--to needs a value');
    expect(() => read(['--on=off'])).toThrow(/--on takes no value/);
  });
});
