/** Runs the node:test recipe the way a user would, and checks Node's own report. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

it('the node:test recipe passes under `node --test`', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', join('examples', 'node-test', 'signup.node.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (out += t));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(out).toMatch(/^# pass 2$/m);
  expect(out).toMatch(/^# fail 0$/m);
  expect(code).toBe(0);
});
