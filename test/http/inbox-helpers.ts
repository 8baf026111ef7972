import { defaultConfig, settleConfig, frontConfigs } from '../../server/config.js';
import type { FrontContext } from '../../server/front.js';
import { createHttpFront } from '../../server/http/http-front.js';
import { createInboxDirectory, type ManagedInboxDirectory } from '../../server/inboxes/directory.js';
import { parseInboxesFile } from '../../server/inboxes/inboxes-file.js';
import { Activity } from '../../server/lib/activity.js';
import { silentLogger } from '../../server/lib/log.js';
import { createMailProcessing } from '../../server/mime/body-indexer.js';
import { DeliveryService } from '../../server/store/delivery.js';
import { MemoryStore } from '../../server/store/memory-store.js';
import type { StoredMessage } from '../../server/store/types.js';
import type { Config } from '../../server/config.js';

/** alice reads shop; bob reads shop and billing; ops reads everything. */
export const INBOXES_FILE = {
  inboxes: {
    shop: { smtp: ['shop-app:s3cret'], recipients: ['*@shop.test'] },
    billing: { smtp: ['billing-app:b-s3cret'], recipients: ['*@billing.test'] },
    srs: { headers: { 'X-Application': 'srs' } },
  },
  users: {
    alice: { password: 'pw-alice', inboxes: ['shop'] },
    bob: { password: 'pw-bob', inboxes: ['shop', 'billing'] },
    ops: { password: 'pw-ops', inboxes: ['*'] },
  },
  unrouted: 'refuse',
};

export const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
export const AS = {
  alice: basic('alice', 'pw-alice'),
  bob: basic('bob', 'pw-bob'),
  ops: basic('ops', 'pw-ops'),
};

export interface InboxHttp {
  /** `http://127.0.0.1:PORT` plus the webroot, without its trailing slash. */
  base: string;
  port: number;
  directory: ManagedInboxDirectory;
  /** Files a message in one inbox through that inbox's own delivery; resolves once its body is indexed. */
  deliver(inbox: string, subject: string, to?: string): Promise<StoredMessage>;
  /** GET (or another method) with a user's credentials. */
  call(path: string, as: string | undefined, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * The HTTP front over a real inbox directory (bodies indexed per inbox, as the sandbox
 * does), listening on port 0. The sandbox-wide store is an empty store of its own here:
 * these tests are about what each user reaches through HTTP.
 */
export async function startInboxHttp(overrides: Partial<Config> = {}, file: unknown = INBOXES_FILE): Promise<InboxHttp> {
  const config = settleConfig({ ...defaultConfig(), listen: { host: '127.0.0.1', port: 0 }, ...overrides });
  const base: Omit<FrontContext, 'store' | 'delivery'> = { logger: silentLogger, tls: null, credentials: null, clock: () => new Date(), activity: new Activity() };
  const directory = await createInboxDirectory({
    file: parseInboxesFile(JSON.stringify(file)),
    logger: silentLogger,
    maxSize: Infinity,
    services: ({ store, delivery }) => {
      const indexer = createMailProcessing({ ...base, store, delivery });
      return { stop: () => indexer.stop(0) };
    },
  });
  const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
  const context: FrontContext = { ...base, store, delivery: new DeliveryService({ store, maxSize: Infinity, logger: silentLogger }), inboxes: directory };
  const front = createHttpFront(context, frontConfigs(config).http, undefined);
  if (!front) throw new Error('no HTTP front');
  const [bound] = await front.start();
  if (!bound) throw new Error('HTTP front did not listen');
  const origin = `http://127.0.0.1:${bound.port}`;
  const root = `${origin}${config.webroot.replace(/\/$/, '')}`;
  return {
    base: root,
    port: bound.port,
    directory,
    async deliver(name, subject, to = `someone@${name}.test`) {
      const inbox = directory.get(name);
      if (!inbox) throw new Error(`no inbox ${name}`);
      const raw = Buffer.from(`From: app@${name}.test\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n`);
      const indexed = new Promise<StoredMessage>((resolve) => {
        const off = inbox.store.on('indexed', ({ message }) => {
          if (message.summary.subject !== subject) return;
          off();
          resolve(message);
        });
      });
      const result = await inbox.delivery.deliver({ raw, envelope: { mailFrom: `app@${name}.test`, rcptTo: [to] } });
      if (!result.ok) throw new Error(`not delivered: ${result.refusal.reason}`);
      return indexed;
    },
    call(path, as, init = {}) {
      const headers = new Headers(init.headers);
      if (as) headers.set('authorization', as);
      return fetch(`${root}${path}`, { ...init, headers, redirect: 'manual' });
    },
    async stop() {
      await front.stop(0);
      await directory.close();
    },
  };
}
