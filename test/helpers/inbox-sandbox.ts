import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../../server/config.js';
import type { ManagedInboxDirectory } from '../../server/inboxes/directory.js';
import { startTestSandbox, type TestSandbox } from './sandbox.js';

export interface InboxSandbox extends TestSandbox {
  readonly directory: ManagedInboxDirectory;
  /** Sends a message over SMTP, without AUTH: the recipient patterns route it. */
  send(to: string, subject: string, text?: string): Promise<void>;
  /** Writes a new inbox file and reloads it, as SIGHUP does. */
  rewrite(file: object): Promise<void>;
}

/** Sends one message to the SMTP port, with AUTH when given credentials (as an inbox's SMTP credential). */
export async function sendSmtp(port: number | undefined, auth: { user: string; pass: string } | undefined, mail: nodemailer.SendMailOptions): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...(auth && { auth }) });
  try {
    await transport.sendMail(mail);
  } finally {
    transport.close();
  }
}

/** Writes an inboxes file in a new temporary folder; returns its path. */
export async function writeInboxesFile(value: unknown): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'letterbox-inboxes-'));
  const path = join(folder, 'inboxes.json');
  await writeFile(path, JSON.stringify(value));
  return path;
}

/**
 * A whole sandbox (startTestSandbox) with team inboxes: `file` is written to a
 * temporary folder and given as --inboxes. Stopping it removes the folder.
 */
export async function startInboxSandbox(file: object, overrides: Partial<Config> = {}): Promise<InboxSandbox> {
  const path = await writeInboxesFile(file);
  const box = await startTestSandbox({ inboxes: path, ...overrides });
  const directory = box.inboxes;
  if (!directory) throw new Error('the sandbox has no inbox directory');
  const stop = box.stop.bind(box);
  return Object.assign(box, {
    directory,
    send(to: string, subject: string, text = 'hello') {
      return sendSmtp(box.port('smtp'), undefined, { from: 'a@red.com', to, subject, text });
    },
    async rewrite(next: object) {
      await writeFile(path, JSON.stringify(next));
      if (!(await box.reloadInboxes())) throw new Error('the new inbox file was refused');
    },
    async stop(graceMs?: number) {
      await stop(graceMs);
      await rm(dirname(path), { recursive: true, force: true });
    },
  });
}
