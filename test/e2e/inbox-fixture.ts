import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newPage } from '../helpers/browser.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/** A sandbox, its HTTP base URL, a browser, and helpers to send mail and ask the API. */
export interface Inbox {
  box: TestSandbox;
  base: string;
  browser: Browser;
  send(mail: Mail.Options): Promise<void>;
  api<T = unknown>(path: string): Promise<T>;
  open(path?: string, options?: Parameters<typeof newPage>[1]): Promise<Page>;
  stop(): Promise<void>;
}

export async function startInbox(overrides: Parameters<typeof startTestSandbox>[0] = {}): Promise<Inbox> {
  const box = await startTestSandbox(overrides);
  const base = `http://127.0.0.1:${box.port('http')}/`;
  const browser = await launchChromium();
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), secure: false, ignoreTLS: true });
  return {
    box,
    base,
    browser,
    async send(mail) {
      await transport.sendMail({ from: 'Alice <alice@red.test>', to: 'bob@blue.test', ...mail });
    },
    async api<T>(path: string): Promise<T> {
      const res = await fetch(base + path);
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
      return (await res.json()) as T;
    },
    async open(path = '', options = {}) {
      const page = await newPage(browser, options);
      await page.goto(base + path);
      return page;
    },
    async stop() {
      transport.close();
      await browser.close();
      await box.stop(0);
    },
  };
}

export interface ListJson {
  messages_count: number;
  messages: Array<{ ID: string; Subject: string; Read: boolean }>;
}
