import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../../server/config.js';
import type { StoredMessage } from '../../server/store/types.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

export interface ApiBox {
  box: TestSandbox;
  base: string;
  /** Sends over real SMTP with nodemailer; resolves with the stored message once indexed. */
  send(mail: Mail.Options): Promise<StoredMessage>;
  stop(): Promise<void>;
}

export async function startApi(overrides: Partial<Config> = {}): Promise<ApiBox> {
  const box = await startTestSandbox(overrides);
  const base = `http://127.0.0.1:${box.port('http')}${(overrides.webroot ?? '/').replace(/\/$/, '')}`;
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), secure: false, ignoreTLS: true });
  return {
    box,
    base,
    async send(mail) {
      const info = await transport.sendMail({ from: 'Sender <sender@example.test>', to: 'rcpt@example.test', ...mail });
      const id = /queued as (\S+)/.exec(info.response)?.[1];
      const message = id ? box.store.get(id) : undefined;
      if (!message) throw new Error(`message not stored: ${info.response}`);
      return indexed(box, message);
    },
    async stop() {
      transport.close();
      await box.stop(0);
    },
  };
}

/** Resolves once the message's body summary is filled in (the indexer runs after delivery). */
export function indexed(box: TestSandbox, message: StoredMessage): Promise<StoredMessage> {
  if (message.body) return Promise.resolve(message);
  return new Promise((resolve) => {
    const off = box.store.on('indexed', ({ message: done }) => {
      if (done.id !== message.id) return;
      off();
      resolve(done);
    });
  });
}
