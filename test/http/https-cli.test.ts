import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { optionTable } from '../../server/config.js';
import { flagName } from '../../server/lib/options.js';
import { startCli } from '../helpers/cli-process.js';

const MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url));

/** Every listener that is on by default, moved to an ephemeral loopback port. */
function portZeroFlags(): string[] {
  return Object.entries(optionTable).flatMap(([key, spec]) => {
    const value = spec.default as unknown;
    return value && typeof value === 'object' && 'port' in value ? [`--${flagName(key)}`, '127.0.0.1:0'] : [];
  });
}

/** Runs `letterbox` to its exit; resolves with the code and stderr. */
async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...portZeroFlags(), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stderr };
}

describe('letterbox --ui-tls from the command line', () => {
  it.concurrent.each([
    [['--ui-tls-cert', '/tmp/cert.pem'], {}, /--ui-tls files needs both --ui-tls-cert and --ui-tls-key/],
    [[], { LETTERBOX_UI_TLS_KEY: '/tmp/key.pem' }, /--ui-tls files needs both --ui-tls-cert and --ui-tls-key/],
    [['--ui-tls', 'files'], {}, /--ui-tls files needs both/],
    [['--ui-tls', 'sometimes'], {}, /--ui-tls: expected one of off, files, self-signed/],
    [['--ui-tls-cert', '/nonexistent/cert.pem', '--ui-tls-key', '/nonexistent/key.pem'], {}, /cannot read TLS certificate \/nonexistent\/cert\.pem: ENOENT/],
  ])('refuses %j %j with one line on stderr and exit code 2', async (args, env, message) => {
    const { code, stderr } = await run(args, env as Record<string, string>);
    expect(code).toBe(2);
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('names the key file it cannot read, and refuses files that are not a certificate and key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'letterbox-https-files-'));
    await writeFile(join(dir, 'cert.pem'), 'not a certificate\n');
    await writeFile(join(dir, 'key.pem'), 'not a key\n');
    const [missingKey, garbage, smtpGarbage] = await Promise.all([
      run(['--ui-tls-cert', join(dir, 'cert.pem'), '--ui-tls-key', join(dir, 'missing.pem')]),
      run(['--ui-tls-cert', join(dir, 'cert.pem'), '--ui-tls-key', join(dir, 'key.pem')]),
      // The mail listeners' certificate is checked the same way.
      run(['--smtp-tls-cert', join(dir, 'cert.pem'), '--smtp-tls-key', join(dir, 'key.pem')]),
    ]);
    expect(missingKey).toEqual({ code: 2, stderr: `letterbox: cannot read TLS key ${join(dir, 'missing.pem')}: ENOENT\n` });
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/^letterbox: --ui-tls-cert \S+ and --ui-tls-key \S+ are not a usable certificate and key: .+\n$/);
    expect(smtpGarbage.code).toBe(2);
    expect(smtpGarbage.stderr).toMatch(/^letterbox: --smtp-tls-cert \S+ and --smtp-tls-key \S+ are not a usable certificate and key: .+\n$/);
  });

  it('prints the https address and writes the scheme to --ports-file', async () => {
    const portsFile = join(await mkdtemp(join(tmpdir(), 'letterbox-https-cli-')), 'ports.json');
    const cli = await startCli([...portZeroFlags(), '--ui-tls', 'self-signed', '--ports-file', portsFile, '--log-level', 'warn'], ['smtp', 'http']);
    try {
      const port = cli.ports.http;
      expect(cli.stdout()).toMatch(new RegExp(`^http\\s+listening on https://127\\.0\\.0\\.1:${port}$`, 'm'));
      expect(cli.stdout()).toMatch(/^smtp\s+listening on 127\.0\.0\.1:\d+$/m);
      const ports = JSON.parse(await readFile(portsFile, 'utf8')) as Record<string, unknown>;
      expect(ports.http).toEqual({ host: '127.0.0.1', port, scheme: 'https' });
      expect(ports.smtp).not.toHaveProperty('scheme');
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });
});
