import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inbox } from '../../server/inboxes/types.js';
import type { Sandbox } from '../../server/sandbox.js';
import { startCli } from '../helpers/cli-process.js';
import { CaptureLog, startLoggedSandbox } from '../smtp/capture-logger.js';
import { inboxesFile, TEAM } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url));
const REFUSED = 'inboxes file refused; the configuration in force is kept';
const RELOADED = 'inboxes file reloaded';

/** Replaces the file as editors do: a new file renamed over the old. */
async function replace(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.new`;
  await writeFile(temporary, typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value));
  await rename(temporary, path);
}

describe('reloading the inboxes file when it changes', () => {
  let box: Sandbox;
  let log: CaptureLog;
  let path: string;
  beforeAll(async () => {
    path = await inboxesFile();
    ({ box, log } = await startLoggedSandbox({ inboxes: path }));
  });
  afterAll(() => box.stop(0));

  it('applies a good file: new inboxes added, gone ones removed, limits changed', async () => {
    const directory = box.inboxes;
    if (!directory) throw new Error('no inboxes');
    const added = new Promise<Inbox>((resolve) => directory.on('added', ({ inbox }) => resolve(inbox)));
    const { srs: _srs, ...kept } = TEAM.inboxes;
    await replace(path, { ...TEAM, inboxes: { ...kept, shop: { ...kept.shop, maxMessages: 9 }, sales: { recipients: ['sales.test'] } } });
    expect((await added).name).toBe('sales');
    await log.next(RELOADED);
    expect(directory.list().map((i) => i.name)).toEqual(['billing', 'crm', 'sales', 'shop']);
    expect(directory.get('shop')?.store.limits.maxMessages).toBe(9);
  });

  it('refuses a bad file with one log line and keeps the configuration in force', async () => {
    const before = box.inboxes?.list().map((i) => i.name);
    const from = log.records.length;
    await replace(path, { inboxes: { shop: { maxMesages: 3 } } });
    const refused = await log.next(REFUSED, from);
    expect(refused.level).toBe('error');
    expect(refused.reason).toMatch(/inboxes\.shop: unknown key "maxMesages"/);
    expect(box.inboxes?.list().map((i) => i.name)).toEqual(before);
    // A good file after it is applied again; the bad one was reported once.
    await replace(path, TEAM);
    await log.next(RELOADED, from);
    expect(log.records.slice(from).filter((r) => r.msg === REFUSED)).toHaveLength(1);
    expect(box.inboxes?.get('srs')).toBeDefined();
  });

  it.each([
    ['an inherited key at the top', JSON.stringify({ ...TEAM, toString: 1 }), /\(top level\): unknown key "toString"/],
    ['a prototype key in an inbox', JSON.stringify({ ...TEAM, inboxes: { ...TEAM.inboxes, shop: { ...TEAM.inboxes.shop, ['__proto__']: {} } } }), /inboxes\.shop: the key "__proto__" is refused/],
    ['an inherited key in a user', JSON.stringify({ ...TEAM, users: { ops: { ...TEAM.users.ops, hasOwnProperty: 1 } } }), /users\.ops: unknown key "hasOwnProperty"/],
    ['null users', JSON.stringify({ ...TEAM, users: null }), /users: null is not a value here/],
    ['an exponential header rule', JSON.stringify({ ...TEAM, inboxes: { ...TEAM.inboxes, srs: { headers: { 'X-A': '/^(a?a?)+$/' } } } }), /inboxes\.srs\.headers\.X-A: the regular expression repeats a group/],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from(JSON.stringify(TEAM).slice(0, -1) + ',"unrouted":"sh'), Buffer.from([0xff]), Buffer.from('op"}')]), /not valid UTF-8/],
  ])('refuses %s on a live reload and keeps the configuration in force', async (_what, content, reason) => {
    const start = log.records.length;
    await replace(path, TEAM);
    await log.next(RELOADED, start);
    const before = box.inboxes?.list().map((i) => i.name);
    const from = log.records.length;
    await replace(path, content);
    const refused = await log.next(REFUSED, from);
    expect(refused.reason).toMatch(reason);
    expect(box.inboxes?.list().map((i) => i.name)).toEqual(before);
    expect(box.inboxes?.get('srs')).toBeDefined();
  });
});

describe('the CLI with --inboxes', () => {
  it('re-reads the file on SIGHUP and keeps running', async () => {
    const path = await inboxesFile();
    const cli = await startCli(['--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--pop3', '127.0.0.1:0', '--imap', '127.0.0.1:0', '--inboxes', path], ['smtp']);
    try {
      const reloaded = new Promise<void>((resolve, reject) => {
        const check = () => cli.stderr().includes(RELOADED) && resolve();
        cli.child.stderr?.on('data', check);
        void cli.exited.then((code) => reject(new Error(`letterbox ended (${code}) instead of reloading: ${cli.stderr()}`)));
      });
      cli.child.kill('SIGHUP');
      await reloaded;
      expect(cli.child.exitCode).toBeNull();
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  }, 90_000);

  it('refuses to start with a bad file, in one line naming the place', async () => {
    const path = await inboxesFile({ inboxes: { shop: {} }, users: { al: { password: 'x', inboxes: ['nowhere'] } } });
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--inboxes', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'close');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([`letterbox: inboxes file ${path}: users.al.inboxes[0]: there is no inbox "nowhere"`]);
  });
});
