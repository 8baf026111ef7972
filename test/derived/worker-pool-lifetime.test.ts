import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const jobs = fileURLToPath(new URL('../../server/derived/parse-jobs.ts', import.meta.url));

/** Runs an ES module script under tsx in a process of its own: its exit code and output. */
function run(script: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], (error, stdout) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout });
    });
    child.stdin?.end();
  });
}

describe('worker pool lifetime', () => {
  it('keeps the process alive while an answer is awaited, and lets it end once idle', async () => {
    // Nothing else holds the event loop: an unreferenced busy worker would end the process
    // before the answer (exit code 13, an unsettled await); a referenced idle one never would.
    const script = `
      const { viewOffThread } = await import(${JSON.stringify(jobs)});
      const view = await viewOffThread(Buffer.from('Subject: x\\r\\n\\r\\nhello from a worker\\r\\n'));
      console.log(view.text.trim());
    `;
    const { code, stdout } = await run(script);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('hello from a worker');
  }, 30_000);
});
