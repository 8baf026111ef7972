/**
 * Release as a background service of the sandbox: no listener of its own. Built
 * from the release options; null (off) until a smarthost or MX delivery is set.
 */
import { Resolver } from 'node:dns/promises';
import type { Front, FrontContext } from '../front.js';
import { OptionError } from '../lib/options.js';
import { isMailbox } from '../security/mailbox.js';
import { compileAllowList, isAllowPattern } from '../security/allow-list.js';
import { AutoRelease } from './auto-release.js';
import { compileAutoReleaseFilter } from './auto-release-filter.js';
import type { DnsResolver } from './mx-resolver.js';
import { releaseMode, type RelayConfig } from './options.js';
import { MAX_PER_MESSAGE } from './release-history.js';
import { ReleaseJournal } from './release-journal.js';
import { ReleaseService, type ReleaseSettings } from './release-service.js';
import { SharedReleases } from './shared-releases.js';
import { createSmtpClient } from './smtp-client.js';
import { cachingResolver } from './dns-cache.js';

/** The system resolver, or the one --dns-server names (node:dns takes `ip:port`). */
export function dnsResolverFor(config: Pick<RelayConfig, 'dnsServer' | 'dnsTimeout' | 'dnsCache'>): DnsResolver {
  const resolver = new Resolver({ timeout: config.dnsTimeout, tries: 2 });
  if (config.dnsServer) resolver.setServers([config.dnsServer]);
  return cachingResolver(resolver, config.dnsCache);
}

/** The release settings a config asks for, or null when release is off. Throws OptionError. */
export function releaseSettings(config: RelayConfig): ReleaseSettings | null {
  const mode = releaseMode(config);
  if (mode === 'off') return null;
  // These end up on SMTP command lines and in headers: refuse anything that could break them.
  if (config.releaseSender && !isMailbox(config.releaseSender)) throw new OptionError(`--release-sender: "${config.releaseSender}" is not an address`);
  if (config.releaseOverrideFrom && !isMailbox(config.releaseOverrideFrom)) throw new OptionError(`--release-override-from: "${config.releaseOverrideFrom}" is not an address`);
  const bad = config.releaseAllow.find((pattern) => !isAllowPattern(pattern));
  if (bad !== undefined) throw new OptionError(`--release-allow: "${bad}" is not blue.com, *.blue.com, *@blue.com or bob@blue.com`);
  return {
    mode,
    smarthost: config.releaseSmarthost,
    smarthostAuth: config.releaseSmarthostUser ? { user: config.releaseSmarthostUser, password: config.releaseSmarthostPassword } : undefined,
    smarthostImplicitTls: config.releaseSmarthostTls,
    allowInsecure: config.releaseAllowInsecure,
    allow: compileAllowList(config.releaseAllow),
    mxPort: config.releasePort,
    allowPrivate: config.releaseAllowPrivate,
    sender: config.releaseSender,
    newMessageId: config.releaseNewMessageId,
    overrideFrom: config.releaseOverrideFrom,
    hostname: config.hostname,
    timeouts: {
      connect: config.releaseConnectTimeout,
      greeting: config.releaseGreetingTimeout,
      command: config.releaseCommandTimeout,
      data: config.releaseDataTimeout,
    },
    retry: config.releaseRetry,
    concurrency: config.releaseConcurrency,
    maxRecipients: config.smtpMaxRecipients,
    rate: config.releaseRate,
  };
}

/** The release front, with the service the composition root hands the HTTP front. */
export interface RelayFront extends Front {
  readonly service: ReleaseService;
}

/** `inbox`: whose messages it releases, with --inboxes ('' without). */
export function createRelayFront(context: FrontContext, config: RelayConfig, inbox = ''): RelayFront | null {
  const { store, logger, clock } = context;
  const settings = releaseSettings(config);
  if (!settings) return null;
  const log = logger.child({ front: 'release' });
  const shared = context.releaseTables && new SharedReleases(context.releaseTables(inbox, MAX_PER_MESSAGE), log);
  const smtp = createSmtpClient({ keepAliveMs: config.releaseKeepAlive, maxIdlePerTarget: config.releaseConcurrency });
  const service = new ReleaseService(settings, {
    store,
    resolver: dnsResolverFor(config),
    smtp,
    clock,
    random: Math.random,
    logger: log,
    ownEndpoints: () => (context.listeners?.() ?? []).filter((l) => l.name === 'smtp' || l.name === 'smtps'),
    ...(shared && { shared }),
  });
  const unfollow = shared?.follow(service);
  const auto = config.releaseAuto
    ? new AutoRelease({ store, service, filter: compileAutoReleaseFilter(config.releaseAuto, store), maxQueue: config.releaseAutoQueue, workers: config.releaseConcurrency, yieldMs: config.releaseAutoYield, logger: log })
    : null;
  let journal: Promise<ReleaseJournal> | undefined;
  return {
    name: 'release',
    service,
    async start() {
      // The store's journal was replayed before any front was built, so the saved
      // history can be matched against the messages that are still there.
      if (config.dataDir) await (journal ??= ReleaseJournal.open(config.dataDir, service, store, log));
      auto?.start();
      return [];
    },
    async stop() {
      auto?.stop();
      service.stop();
      unfollow?.();
      await Promise.all([smtp.close(), journal?.then((j) => j.close(), () => undefined), shared?.abandon(service.history.records())]);
    },
  };
}
