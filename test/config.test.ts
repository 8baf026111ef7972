import { describe, expect, it } from 'vitest';
import { frontConfigs, loadConfig, optionTable } from '../server/config.js';
import { chaosOptions } from '../server/chaos/options.js';
import { HTTP_READS, httpOptions } from '../server/http/options.js';
import { imapOptions } from '../server/imap/options.js';
import { pop3Options } from '../server/pop3/options.js';
import { RELAY_READS, relayOptions } from '../server/relay/options.js';
import { smtpOptions } from '../server/smtp/options.js';
import { webhookOptions } from '../server/webhooks/options.js';

const SHARED = ['hostname', 'listenAll', 'maxConnections', 'maxConnectionsPerIp'];
const sorted = (keys: Iterable<string>) => [...new Set(keys)].sort();

describe('config slices', () => {
  const slices = frontConfigs(loadConfig([], {}));

  it.each([
    ['smtp', [...Object.keys(smtpOptions), ...SHARED]],
    ['pop3', [...Object.keys(pop3Options), ...SHARED]],
    ['imap', [...Object.keys(imapOptions), ...SHARED]],
    ['http', [...Object.keys(httpOptions), ...SHARED, ...HTTP_READS]],
    ['relay', [...Object.keys(relayOptions), ...RELAY_READS]],
    ['webhooks', [...Object.keys(webhookOptions), 'label']],
    ['chaos', Object.keys(chaosOptions)],
  ] as const)('give the %s front its own options and the few it reads besides, nothing else', (front, keys) => {
    expect(sorted(Object.keys(slices[front]))).toEqual(sorted(keys));
  });

  it('carry limits settled once: 0 is Infinity for every front that reads it', () => {
    const settled = frontConfigs(loadConfig(['--smtp-max-size', '0', '--max-connections', '0', '--max-messages', '0'], {}));
    expect(settled.smtp.smtpMaxSize).toBe(Infinity);
    expect(settled.http.smtpMaxSize).toBe(Infinity);
    for (const front of ['smtp', 'pop3', 'imap', 'http'] as const) {
      expect(settled[front].maxConnections).toBe(Infinity);
      expect(settled[front].maxConnectionsPerIp).toBe(1_000);
    }
    expect(loadConfig(['--max-messages', '0'], {}).maxMessages).toBe(Infinity);
  });

  it('leave a limit that is not 0, and options where 0 means something else, as given', () => {
    const config = loadConfig(['--smtp-max-size', '1MB', '--dns-cache', '0', '--smtp-early-talker-delay', '0'], {});
    expect(config.smtpMaxSize).toBe(1024 * 1024);
    expect(config.dnsCache).toBe(0);
    expect(config.smtpEarlyTalkerDelay).toBe(0);
  });

  it('are built from every option the table has', () => {
    const inSlices = new Set(Object.values(slices).flatMap((slice) => Object.keys(slice)));
    // Read by the composition root and the process itself, not by any one front.
    const rootOnly = ['portsFile', 'dataDir', 'database', 'cacheSize', 'inboxes', 'shutdownGrace', 'logLevel', 'logFormat', 'maxMessages', 'maxBytes', 'smtpAuthFile', 'smtpTls', 'smtpTlsCert', 'smtpTlsKey'];
    const unread = Object.keys(optionTable).filter((key) => !inSlices.has(key) && !rootOnly.includes(key));
    expect(unread).toEqual([]);
  });
});

describe('--hostname', () => {
  it('takes a domain or an address, and refuses what would split a greeting or a HELO line', () => {
    expect(loadConfig(['--hostname', 'mail.red.example'], {}).hostname).toBe('mail.red.example');
    expect(loadConfig([], { LETTERBOX_HOSTNAME: '127.0.0.1' }).hostname).toBe('127.0.0.1');
    for (const bad of ['mail\r\n250 forged', 'a b', 'a\u0000b', '', 'x'.repeat(254)]) {
      expect(() => loadConfig(['--hostname', bad], {})).toThrow(/--hostname: expected a host name/);
    }
  });
});

describe('--inboxes with other SMTP AUTH options', () => {
  it('refuses an auth file or accept-any beside it, which it would otherwise ignore', () => {
    expect(() => loadConfig(['--inboxes', 'inboxes.json', '--smtp-auth-file', 'auth.txt'], {})).toThrow(/--inboxes and --smtp-auth-file cannot be combined/);
    expect(() => loadConfig(['--inboxes', 'inboxes.json', '--smtp-auth-accept-any'], {})).toThrow(/--inboxes and --smtp-auth-accept-any cannot be combined/);
    expect(loadConfig(['--inboxes', 'inboxes.json'], {}).inboxes).toBe('inboxes.json');
  });
});
