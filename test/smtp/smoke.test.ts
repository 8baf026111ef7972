import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf } from '../helpers/stored-bytes.js';

describe('SMTP catch-all', () => {
  let box: TestSandbox | undefined;
  afterEach(async () => box?.stop(0));

  it('stores what nodemailer sends, byte for byte', async () => {
    box = await startTestSandbox();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), secure: false, ignoreTLS: true });
    const raw = 'From: a@red.com\r\nTo: b@blue.com\r\nSubject: hi\r\n\r\n.dot line\r\nbody\r\n';
    const info = await transport.sendMail({ envelope: { from: 'a@red.com', to: ['b@blue.com'] }, raw });
    const [message] = box.store.messages();
    expect(info.response).toContain(message?.id);
    expect((await bytesOf(box.store, message))?.toString()).toBe(raw);
    expect(message?.envelope).toEqual({ mailFrom: 'a@red.com', rcptTo: ['b@blue.com'] });
    expect(message?.summary.subject).toBe('hi');
    transport.close();
  });
});
