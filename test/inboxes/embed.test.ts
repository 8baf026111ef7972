import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LetterboxInboxError, LetterboxOptionError, startLetterbox, type Letterbox } from '../../server/index.js';
import { inboxesFile } from './fixtures.js';
import { sendSmtp } from '../helpers/inbox-sandbox.js';

function send(box: Letterbox, auth: { user: string; pass: string } | undefined, to: string, subject: string) {
  return sendSmtp(box.smtp?.port, auth, { from: 'app@x.test', to, subject, text: 'hello' });
}

const subjects = (box: Letterbox, inbox: string) =>
  box.inboxes
    ?.get(inbox)
    ?.store.messages()
    .map((m) => m.summary.subject);

describe('startLetterbox with inboxes', () => {
  it('makes and deletes inboxes on the handle; their credentials file mail in them', async () => {
    const box = await startLetterbox({ inboxes: await inboxesFile(), http: false, pop3: false, imap: false });
    try {
      const made = box.createInbox('mr-1234', { ttl: '24h' });
      expect(made.inbox.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
      await send(box, { user: made.smtpUser, pass: made.smtpPassword }, 'bob@shop.test', 'for the merge request');
      expect(subjects(box, 'mr-1234')).toEqual(['for the merge request']);
      expect(() => box.createInbox('mr-1234')).toThrow(expect.objectContaining({ name: 'LetterboxInboxError', reason: 'exists' }));
      expect(() => box.createInbox('MR 1')).toThrow(LetterboxInboxError);
      expect(() => box.createInbox('mr-2', { ttl: 'soon' })).toThrow(expect.objectContaining({ reason: 'invalid-ttl' }));
      expect(box.deleteInbox('mr-1234')).toBe(true);
      expect(box.deleteInbox('mr-1234')).toBe(false);
      expect(box.inboxes?.get('mr-1234')).toBeUndefined();
    } finally {
      await box.stop();
    }
  });

  it('checks the option as the flag is checked, and a bad file is an option error naming the place', async () => {
    await expect(startLetterbox({ inboxes: 42 as unknown as string })).rejects.toThrow(LetterboxOptionError);
    const bad = await inboxesFile({ inboxes: { shop: { maxMessages: -1 } } });
    await expect(startLetterbox({ inboxes: bad })).rejects.toThrow(/inboxes\.shop\.maxMessages/);
    await expect(startLetterbox({ inboxes: bad })).rejects.toThrow(LetterboxOptionError);
  });

  it('without the option has no inboxes and says so when one is asked for', async () => {
    const box = await startLetterbox({ http: false, pop3: false, imap: false });
    try {
      expect(box.inboxes).toBeUndefined();
      expect(() => box.createInbox('x')).toThrow(expect.objectContaining({ reason: 'no-inboxes' }));
      expect(box.deleteInbox('x')).toBe(false);
    } finally {
      await box.stop();
    }
  });

  it('with --data-dir keeps every inbox’s mail and the inboxes made at run time across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'letterbox-inboxes-data-'));
    const options = { inboxes: await inboxesFile(), dataDir, http: false, pop3: false, imap: false } as const;
    const first = await startLetterbox(options);
    const made = first.createInbox('ci-9', { ttl: 3_600_000 });
    await send(first, undefined, 'bob@shop.test', 'shop mail');
    await send(first, { user: made.smtpUser, pass: made.smtpPassword }, 'bob@x.test', 'ci mail');
    await first.stop();

    const second = await startLetterbox(options);
    try {
      expect(subjects(second, 'shop')).toEqual(['shop mail']);
      expect(subjects(second, 'ci-9')).toEqual(['ci mail']);
      expect(second.inboxes?.get('ci-9')?.expiresAt?.getTime()).toBe(made.inbox.expiresAt?.getTime());
      // The credential made before the restart still files mail in its inbox.
      await send(second, { user: made.smtpUser, pass: made.smtpPassword }, 'bob@x.test', 'after restart');
      expect(subjects(second, 'ci-9')).toEqual(['ci mail', 'after restart']);
    } finally {
      await second.stop();
    }
  });
});
