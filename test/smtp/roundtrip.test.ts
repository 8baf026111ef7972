import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf } from '../helpers/stored-bytes.js';
import { FIXTURES, queuedId } from './fixtures.js';
import { ehlo } from './smtp-dialogue.js';

/**
 * Every fixture, sent by nodemailer and by a scripted raw dialogue, is stored byte
 * for byte with its envelope, under the id the DATA reply names.
 */
describe('SMTP round trip of exact bytes', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox();
  });
  afterAll(() => box.stop(0));

  describe.each(FIXTURES)('$name', (fixture) => {
    it('nodemailer', async () => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), secure: false, ignoreTLS: true });
      try {
        const info = await transport.sendMail({ envelope: { from: fixture.from, to: fixture.to }, raw: fixture.raw });
        const stored = box.store.get(queuedId(info.response));
        expect(stored).toBeDefined();
        expect((await bytesOf(box.store, stored))?.equals(fixture.raw)).toBe(true);
        expect(stored?.envelope).toEqual({ mailFrom: fixture.from, rcptTo: fixture.to });
      } finally {
        transport.close();
      }
    });

    it('raw dialogue', async () => {
      const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
      expect(reply.code).toBe(250);
      const sent = await smtp.send(fixture.from, fixture.to, fixture.raw, fixture.mailParams);
      expect(sent.code).toBe(250);
      const stored = box.store.get(queuedId(sent.text));
      expect((await bytesOf(box.store, stored))?.equals(fixture.raw)).toBe(true);
      expect(stored?.envelope).toEqual({ mailFrom: fixture.from, rcptTo: fixture.to });
      expect(stored?.client).toMatchObject({ address: '127.0.0.1', helo: 'client.test', via: 'smtp', secure: false });
      await smtp.quit();
    });
  });

  it('decodes the summary of a stored fixture', () => {
    const multipart = box.store.latest((m) => m.summary.subject === 'Report – Q3');
    expect(multipart?.summary.cc).toEqual([{ name: '', address: 'carol@blue.example' }]);
  });
});
