import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, frontConfigs, settleConfig, type Config } from '../../server/config.js';
import type { Front, FrontContext } from '../../server/front.js';
import { createImapFront } from '../../server/imap/imap-front.js';
import { createInboxDirectory, type ManagedInboxDirectory } from '../../server/inboxes/directory.js';
import { loadInboxesFile } from '../../server/inboxes/inboxes-file.js';
import { Activity } from '../../server/lib/activity.js';
import { silentLogger } from '../../server/lib/log.js';
import { createPop3Front } from '../../server/pop3/pop3-front.js';
import { DeliveryService } from '../../server/store/delivery.js';
import { MemoryStore } from '../../server/store/memory-store.js';

const EPHEMERAL = { host: '127.0.0.1', port: 0 };

/** The subject of the one message kept outside every inbox: a login that shows it has left its inbox. */
export const OUTSIDE_SUBJECT = 'Outside every inbox';

export interface InboxFronts {
  readonly directory: ManagedInboxDirectory;
  port(name: 'imap' | 'pop3'): number;
  /** Files a message as SMTP does with inboxes: routed by the directory, then delivered to each inbox it names. */
  send(to: string, subject: string, text?: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * The IMAP and POP3 fronts on 127.0.0.1 port 0, signing in through a real inbox
 * directory read from `file` written to a temporary folder (--inboxes FILE). The
 * context's own store holds one message (OUTSIDE_SUBJECT) that no inbox has, so a
 * front reading it instead of the inbox's store is caught.
 */
export async function startInboxFronts(file: object, overrides: Partial<Config> = {}): Promise<InboxFronts> {
  const folder = await mkdtemp(join(tmpdir(), 'letterbox-inboxes-'));
  const path = join(folder, 'inboxes.json');
  await writeFile(path, JSON.stringify(file));
  const config = settleConfig({ ...defaultConfig(), imap: EPHEMERAL, pop3: EPHEMERAL, ...overrides });
  const directory = await createInboxDirectory({ file: await loadInboxesFile(path), logger: silentLogger, maxSize: config.smtpMaxSize });
  const outside = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
  const delivery = new DeliveryService({ store: outside, maxSize: config.smtpMaxSize, logger: silentLogger });
  await delivery.deliver({ raw: message('outsider@shop.test', OUTSIDE_SUBJECT, 'not in any inbox'), envelope: { mailFrom: 'a@red.com', rcptTo: ['outsider@shop.test'] } });
  const context: FrontContext = { store: outside, delivery, logger: silentLogger, tls: null, credentials: null, clock: () => new Date(), activity: new Activity(), inboxes: directory };
  const slices = frontConfigs(config);
  const fronts = [createImapFront(context, slices.imap), createPop3Front(context, slices.pop3)].filter((f): f is Front => f !== null);
  const bound = (await Promise.all(fronts.map((f) => f.start()))).flat();
  return {
    directory,
    port(name) {
      const found = bound.find((l) => l.name === name);
      if (!found) throw new Error(`no ${name} listener`);
      return found.port;
    },
    async send(to, subject, text = 'hello') {
      const raw = message(to, subject, text);
      const envelope = { mailFrom: 'a@red.com', rcptTo: [to] };
      const route = directory.route({ raw, envelope, authUser: '' });
      if (!route.ok) throw new Error(route.text);
      for (const name of route.inboxes) {
        const result = await directory.get(name)?.delivery.deliver({ raw, envelope });
        if (!result?.ok) throw new Error(`not delivered to ${name}`);
      }
      return route.inboxes;
    },
    async stop() {
      await Promise.all(fronts.map((f) => f.stop(0)));
      await directory.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

let sent = 0;

function message(to: string, subject: string, text: string): Buffer {
  return Buffer.from(`From: a@red.com\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${++sent}@red.com>\r\n\r\n${text}\r\n`);
}
