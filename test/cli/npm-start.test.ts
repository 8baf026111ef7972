import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript, without types: it loads nothing but Node.
import { isStale } from '../../scripts/build-if-stale.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
/** npm start would rebuild first (a source was edited since the last build); this test is about starting, not building. */
const built = !(isStale as (root: string) => boolean)(ROOT);
if (!built) console.warn('npm start test skipped: the build is older than the sources (run npm run build)');

/**
 * The README's start command, as a newcomer runs it after `npm ci` (whose `prepare`
 * builds): `npm start -- FLAGS` reaches the built server in one process, flags and all.
 */
describe.runIf(built || process.env.CI === 'true')('npm start', () => {
  it('starts the built server with the flags given after --, and stops on SIGTERM', async () => {
    const child = spawn('npm', ['start', '--silent', '--', '--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--pop3', 'off', '--imap', 'off'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = once(child, 'exit');
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /^http\s+listening on .*:(\d+)$/m.exec(out);
        if (match) resolve(Number(match[1]));
      });
      void exited.then(() => reject(new Error(`npm start exited before listening: ${out}`)));
    });
    const answer = await fetch(`http://127.0.0.1:${port}/livez`);
    expect(answer.status).toBe(200);
    expect(out).not.toMatch(/pop3|imap/i);
    // npm runs the script in a shell; the group gets the signal, as a terminal's Ctrl-C would send it.
    process.kill(-(child.pid as number), 'SIGTERM');
    await exited;
  });
});
