import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliProcess } from '../helpers/cli-process.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf } from '../helpers/stored-bytes.js';

let dns: TestDnsServer;
let blue: TestSandbox;
let red: CliProcess | undefined;

beforeAll(async () => {
  dns = await startDnsServer({ mx: { 'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }] }, a: { 'mx.blue.com': ['127.0.0.1'] } });
  blue = await startTestSandbox({ hostname: 'blue.com' });
});
afterAll(async () => {
  red?.child.kill('SIGTERM');
  if (red) await red.exited;
  await blue.stop(0);
  await dns.close();
});

describe('release from the command line', () => {
  it('auto-releases by MX with flags and environment variables', async () => {
    red = await startCli(
      ['--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--pop3', 'off', '--imap', 'off', '--hostname', 'red.com', '--release-mx', '--release-allow', 'blue.com', '--release-allow-private', '--release-auto', 'to:@blue.com'],
      ['smtp', 'http'],
      { LETTERBOX_DNS_SERVER: dns.address, LETTERBOX_RELEASE_PORT: String(blue.port('smtp')) },
    );
    const arrived = new Promise<void>((resolve) => blue.store.on('delivered', () => resolve()));
    const transport = createTransport({ host: '127.0.0.1', port: red.ports['smtp'], secure: false });
    await transport.sendMail({ from: 'alice@red.com', to: 'bob@blue.com', subject: 'from the CLI', text: 'hi' });
    transport.close();
    await arrived;
    const received = blue.store.latest();
    expect(received?.envelope.rcptTo).toEqual(['bob@blue.com']);
    expect((await bytesOf(blue.store, received))?.toString()).toMatch(/^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby red\.com \(Letterbox\) with ESMTP id /);
    const webui = (await (await fetch(`http://127.0.0.1:${red.ports['http']}/api/v1/webui`)).json()) as { MessageRelay: { Enabled: boolean } };
    expect(webui.MessageRelay.Enabled).toBe(true);
  });

  it('exits with a clear message when MX release has no allow-list', async () => {
    const main = fileURLToPath(new URL('../../server/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--release-mx', '--smtp', '127.0.0.1:0', '--listen', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code] = await once(child, 'close');
    expect(code).toBe(2);
    expect(err).toMatch(/^letterbox: --release-mx needs --release-allow/);
  });
});
