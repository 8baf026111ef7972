import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, LetterboxApiError, startLetterbox, WaitTimeoutError, type Letterbox, type LetterboxClient } from '../../server/index.js';

describe('the typed client against Letterbox', () => {
  let box: Letterbox;
  let client: LetterboxClient;
  let transport: nodemailer.Transporter;

  const mail = (subject: string, extra: nodemailer.SendMailOptions = {}) =>
    transport.sendMail({ from: 'app@red.com', to: 'bob@blue.com', subject, text: `text of ${subject}`, ...extra });

  beforeAll(async () => {
    box = await startLetterbox();
    client = box.client;
    transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.smtp!.port, secure: false, ignoreTLS: true, pool: true });
  });
  afterAll(async () => {
    transport.close();
    await box.stop();
  });
  beforeEach(async () => {
    await client.clear();
  });

  it('list: newest first with the Mailpit envelope', async () => {
    await mail('first');
    await mail('second');
    const page = await client.list();
    expect(page.messages.map((m) => m.Subject)).toEqual(['second', 'first']);
    expect(page).toMatchObject({ total: 2, unread: 2, messages_count: 2, start: 0 });
    expect((await client.list({ start: 1, limit: 1 })).messages.map((m) => m.Subject)).toEqual(['first']);
  });

  it('search: finds by Mailpit syntax', async () => {
    await mail('invoice 42', { to: 'carol@blue.com' });
    await mail('newsletter');
    const hits = await client.search({ query: 'to:carol@blue.com' });
    expect(hits.messages.map((m) => m.Subject)).toEqual(['invoice 42']);
    expect((await client.search('subject:newsletter')).messages_count).toBe(1);
  });

  it('get, headers, raw and source: the full message and its exact bytes', async () => {
    const raw = 'From: app@red.com\r\nTo: bob@blue.com\r\nSubject: exact\r\n\r\nbytes \xe9 kept\r\n.dot\r\n';
    await transport.sendMail({ envelope: { from: 'app@red.com', to: ['bob@blue.com'] }, raw: Buffer.from(raw, 'latin1') });
    const id = (await client.latestId())!;
    const message = await client.get(id);
    expect(message).toMatchObject({ ID: id, Subject: 'exact', From: { Address: 'app@red.com' } });
    expect((await client.list()).unread).toBe(0);
    expect((await client.headers(id)).Subject).toEqual(['exact']);
    expect(Buffer.from(await client.raw(id))).toEqual(Buffer.from(raw, 'latin1'));
    expect(await client.source('latest')).toContain('Subject: exact');
  });

  it('attachments and attachment: the parts and their decoded bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await mail('with file', { attachments: [{ filename: 'data.bin', content: bytes, contentType: 'application/octet-stream' }] });
    const [part] = await client.attachments();
    expect(part).toMatchObject({ FileName: 'data.bin', ContentType: 'application/octet-stream', Size: 5 });
    const download = await client.attachment((await client.latestId())!, part!.PartID);
    expect(Buffer.from(download.data)).toEqual(bytes);
    expect(download.contentType).toMatch(/^application\/octet-stream/);
  });

  it('delete, deleteSearch and clear', async () => {
    await mail('a');
    await mail('b');
    await mail('c');
    const [c, b] = (await client.list()).messages;
    await client.delete([c!.ID]);
    await client.delete([]);
    expect((await client.list()).messages.map((m) => m.Subject)).toEqual(['b', 'a']);
    await client.deleteSearch('subject:a');
    expect((await client.list()).messages.map((m) => m.ID)).toEqual([b!.ID]);
    await client.clear();
    expect((await client.list()).total).toBe(0);
  });

  it('markRead by IDs and by search, and back to unread', async () => {
    await mail('one');
    await mail('two');
    const [two] = (await client.list()).messages;
    await client.markRead({ ids: [two!.ID] });
    expect((await client.list()).unread).toBe(1);
    await client.markRead({ search: 'subject:one' });
    expect((await client.list()).unread).toBe(0);
    await client.markRead({ ids: [two!.ID] }, false);
    expect((await client.list()).messages.find((m) => m.ID === two!.ID)?.Read).toBe(false);
  });

  it('tags: set, list, rename, delete', async () => {
    await mail('tagged');
    const id = (await client.latestId())!;
    await client.setTags([id], ['alpha', 'beta']);
    expect(await client.tags()).toEqual(['alpha', 'beta']);
    await client.renameTag('alpha', 'gamma');
    expect((await client.list()).messages[0]?.Tags).toEqual(['beta', 'gamma']);
    await client.deleteTag('beta');
    expect(await client.tags()).toEqual(['gamma']);
  });

  it('send: a message from JSON, as if it came over SMTP', async () => {
    const id = await client.send({ From: { Email: 'api@red.com', Name: 'API' }, To: [{ Email: 'bob@blue.com' }], Subject: 'via API', Text: 'hello', Tags: ['sent'] });
    const message = await client.get(id);
    expect(message).toMatchObject({ Subject: 'via API', From: { Address: 'api@red.com', Name: 'API' }, Tags: ['sent'] });
    expect(message.Text.trim()).toBe('hello');
  });

  it('release: a clear error when release is not configured', async () => {
    await mail('keep here');
    const error = await client.release((await client.latestId())!, ['bob@blue.com']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LetterboxApiError);
    expect((error as LetterboxApiError).status).toBeGreaterThanOrEqual(400);
    expect((error as LetterboxApiError).status).toBeLessThan(500);
  });

  it('release: sends the stored message on through the smarthost', async () => {
    const destination = await startLetterbox();
    const relaying = await startLetterbox({ releaseSmarthost: destination.smtp!, releaseAllowInsecure: true });
    try {
      const id = await relaying.client.send({ From: { Email: 'app@red.com' }, To: [{ Email: 'bob@blue.com' }], Subject: 'pass it on' });
      await relaying.client.release(id, ['carol@blue.com']);
      const arrived = await destination.client.waitForMessage({ query: 'subject:"pass it on"', timeout: 5000 });
      expect(arrived.To).toEqual([{ Name: '', Address: 'bob@blue.com' }]);
      expect(destination.store.get(arrived.ID)?.envelope.rcptTo).toEqual(['carol@blue.com']);
    } finally {
      await Promise.all([relaying.stop(), destination.stop()]);
    }
  });

  it('extract: links and codes', async () => {
    await mail('Your code', { text: 'Your sign-in code is 482913. Or open https://app.example.com/magic?token=abc' });
    const found = await client.extract();
    expect(found.Codes).toContain('482913');
    expect(found.Links).toContain('https://app.example.com/magic?token=abc');
  });

  it('info: counts', async () => {
    await mail('counted');
    expect((await client.info()).Messages).toBe(1);
  });

  it('errors carry the status and the server text', async () => {
    const error = await client.get('no-such-id').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'LetterboxApiError', status: 404 });
  });

  describe('waitForMessage', () => {
    it('resolves when a matching message is delivered, not before', async () => {
      await mail('old reset');
      const after = await client.latestId();
      const waiting = client.waitForMessage({ query: 'subject:reset', after, timeout: 10_000 });
      let settled = false;
      void waiting.then(() => (settled = true));
      await mail('unrelated');
      expect(settled).toBe(false);
      await mail('new reset');
      const found = await waiting;
      expect(found.Subject).toBe('new reset');
      expect(found.ID).toBe(await client.latestId());
    });

    it('returns a message already there when no `after` is given', async () => {
      await mail('already here');
      expect((await client.waitForMessage({ query: 'subject:already', timeout: 1000 })).Subject).toBe('already here');
    });

    it('times out cleanly with WaitTimeoutError', async () => {
      const started = box.store.messages().length;
      const error = await client.waitForMessage({ query: 'subject:never', timeout: 200 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WaitTimeoutError);
      expect((error as WaitTimeoutError).timeoutMs).toBe(200);
      expect(box.store.messages().length).toBe(started);
    });
  });

  describe('waitForMessage against a server without the wait route, as Mailpit', () => {
    let waitRouteAsked = 0;
    let searched: Array<() => void> = [];
    /** Resolves once the next search the client makes has been answered. */
    const nextSearch = () => new Promise<void>((resolve) => searched.push(resolve));
    // Mailpit answers a route it does not have with a plain-text 404; the rest is Letterbox's real API.
    const mailpitLike = () =>
      createClient(box.url!, {
        fetch: async (input, init) => {
          if (!String(input).includes('/api/v1/wait')) {
            const response = await fetch(input, init);
            if (String(input).includes('/api/v1/search')) for (const resolve of searched.splice(0)) resolve();
            return response;
          }
          waitRouteAsked++;
          return Promise.resolve(new Response('404 page not found\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
        },
      });

    it('searches until a message newer than `after` matches, asking for the route only once', async () => {
      const polling = mailpitLike();
      await mail('old reset');
      const after = await polling.latestId();
      waitRouteAsked = 0;
      const waiting = polling.waitForMessage({ query: 'subject:reset', after, timeout: 10_000 });
      let settled = false;
      void waiting.then(() => (settled = true));
      await mail('unrelated');
      // The second search below began after the unrelated message was stored; a third is
      // made only if that one matched nothing.
      for (let i = 0; i < 3; i++) await nextSearch();
      expect(settled).toBe(false);
      await mail('new reset');
      const found = await waiting;
      expect(found.Subject).toBe('new reset');
      expect((await polling.waitForMessage({ query: 'subject:unrelated', timeout: 1000 })).Subject).toBe('unrelated');
      expect(waitRouteAsked).toBe(1);
    });

    it('times out cleanly, and refuses an unknown `after` as Letterbox does', async () => {
      const polling = mailpitLike();
      const error = await polling.waitForMessage({ query: 'subject:never', timeout: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WaitTimeoutError);
      const unknown = await polling.waitForMessage({ after: 'no-such-id', timeout: 300 }).catch((e: unknown) => e);
      expect(unknown).toMatchObject({ name: 'LetterboxApiError', status: 404 });
      const direct = await client.waitForMessage({ after: 'no-such-id', timeout: 300 }).catch((e: unknown) => e);
      expect(direct).toMatchObject({ name: 'LetterboxApiError', status: 404 });
    });
  });

  it('works from the bare client export against a base URL with basic auth headers', async () => {
    const bare = createClient(box.url!, { auth: { username: 'u', password: 'p' } });
    await mail('bare');
    expect((await bare.list()).messages[0]?.Subject).toBe('bare');
  });
});

describe('the client against a Letterbox with HTTP off', () => {
  it('explains itself instead of failing to connect', async () => {
    const box = await startLetterbox({ http: false });
    try {
      await expect(box.client.list()).rejects.toThrow(/http: false/);
      expect(box.url).toBeUndefined();
    } finally {
      await box.stop();
    }
  });
});
