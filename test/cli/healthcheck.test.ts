import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { runCli } from '../cli-tools/run-command.js';

describe('letterbox healthcheck', () => {
  let dir: string;
  let plain: TestSandbox;
  let tls: TestSandbox;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-health-'));
    plain = await startTestSandbox({ smtp: null, pop3: null, imap: null, webroot: '/mail/', portsFile: join(dir, 'plain.json') });
    tls = await startTestSandbox({ smtp: null, pop3: null, imap: null, uiTls: 'self-signed' });
  });
  afterAll(async () => {
    await plain?.stop(0);
    await tls?.stop(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('follows --listen and --webroot, as flags or LETTERBOX_* variables', async () => {
    const at = `127.0.0.1:${plain.port('http')}`;
    expect(await runCli(['healthcheck', '--listen', at, '--webroot', '/mail/'])).toMatchObject({ status: 0, stderr: '' });
    expect(await runCli(['healthcheck'], '', { LETTERBOX_LISTEN: at, LETTERBOX_WEBROOT: 'mail' })).toMatchObject({ status: 0, stderr: '' });
    // The probe lives under the web root: asked at /, this server is not the one described.
    const wrongRoot = await runCli(['healthcheck', '--listen', at]);
    expect(wrongRoot.status).toBe(1);
    expect(wrongRoot.stderr).toBe(`letterbox healthcheck: http://${at}/livez: HTTP 404\n`);
  });

  it('follows --ui-tls, accepting the self-signed certificate it makes', async () => {
    const at = `127.0.0.1:${tls.port('http')}`;
    expect(await runCli(['healthcheck', '--listen', at, '--ui-tls', 'self-signed'])).toMatchObject({ status: 0, stderr: '' });
    expect((await runCli(['healthcheck', '--listen', at])).status).toBe(1);
  });

  it('reads the bound address from --ports-file, so flags given to the server alone are followed', async () => {
    expect(await runCli(['healthcheck', '--ports-file', join(dir, 'plain.json'), '--webroot', '/mail/'])).toMatchObject({ status: 0, stderr: '' });
  });

  it('fails with 1 when nothing answers, 2 when there is nothing to ask', async () => {
    const stopped = await startTestSandbox({ smtp: null, pop3: null, imap: null });
    const port = stopped.port('http');
    await stopped.stop(0);
    const down = await runCli(['healthcheck', '--listen', `127.0.0.1:${port}`]);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/ECONNREFUSED/);
    expect(await runCli(['healthcheck', '--listen', 'off'])).toMatchObject({ status: 2, stderr: expect.stringMatching(/HTTP listener is off/) });
    expect(await runCli(['healthcheck', '--listen', '127.0.0.1:0'])).toMatchObject({ status: 2, stderr: expect.stringMatching(/--ports-file/) });
    expect(await runCli(['healthcheck', '--bogus'])).toMatchObject({ status: 2, stderr: expect.stringMatching(/unknown option --bogus/) });
  });
});
