import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiBox } from './http-helpers.js';

const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

/** Mailpit's keys, and the address counts Letterbox adds beside its capped lists. */
const SUMMARY_KEYS = ['Attachments', 'Bcc', 'Cc', 'Created', 'From', 'ID', 'MessageID', 'Read', 'ReplyTo', 'Size', 'Snippet', 'Subject', 'Tags', 'To', 'Username']
  .concat(['BccCount', 'CcCount', 'ReplyToCount', 'ToCount'])
  .sort();
const ENVELOPE_KEYS = ['count', 'messages', 'messages_count', 'messages_unread', 'start', 'tags', 'total', 'unread'];

let api: ApiBox;
const get = (path: string, init?: RequestInit) => fetch(api.base + path, init);
const json = async (path: string, init?: RequestInit) => {
  const response = await get(path, init);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & unknown[] };
};
const send = (method: string, path: string, body?: unknown) =>
  get(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

beforeAll(async () => {
  api = await startApi({ smtpMaxSize: 200_000 });
});
afterAll(async () => {
  await api.stop();
});

describe('empty store', () => {
  it('lists nothing with the envelope shape', async () => {
    const { status, body } = await json('/api/v1/messages');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(ENVELOPE_KEYS);
    expect(body).toMatchObject({ total: 0, unread: 0, count: 0, messages_count: 0, start: 0, tags: [], messages: [] });
  });
  it('has no latest message', async () => {
    const response = await get('/api/v1/message/latest');
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('404 page not found');
  });
  it('answers the probes', async () => {
    expect(await (await get('/livez')).text()).toBe('ok');
    expect(await (await get('/readyz')).text()).toBe('ok');
  });
});

describe('with mail', () => {
  let plainId = '';
  let richId = '';

  beforeAll(async () => {
    plainId = (await api.send({ subject: 'Plain one', text: 'Hello plain', to: 'Bob <bob+alerts@example.test>', cc: 'carol@example.test', bcc: 'dan@example.test' })).id;
    richId = (
      await api.send({
        subject: '=?UTF-8?Q?R=C3=A9sum=C3=A9?= and photo',
        html: '<p>See <a href="https://example.test/x?a=1&amp;b=2">this</a> <img src="cid:pic@x"></p>',
        text: 'See https://example.test/x?a=1&b=2 your code is 482913',
        headers: { 'X-Tags': 'Work, urgent!', 'List-Unsubscribe': '<mailto:u@example.test>, <https://example.test/u>' },
        attachments: [
          { filename: 'notes.txt', content: 'attached notes' },
          { filename: 'pic.png', content: PNG_1PX, cid: 'pic@x', contentType: 'image/png' },
        ],
      })
    ).id;
  });

  it('lists newest first with summaries', async () => {
    const { body } = await json('/api/v1/messages');
    expect(body['total']).toBe(2);
    const messages = body['messages'] as Array<Record<string, unknown>>;
    expect(messages.map((m) => m['ID'])).toEqual([richId, plainId]);
    expect(Object.keys(messages[0] ?? {}).sort()).toEqual(SUMMARY_KEYS);
    expect(messages[0]).toMatchObject({ Subject: 'Résumé and photo', Attachments: 1, Read: false, Tags: ['urgent', 'Work'] });
    expect(messages[1]).toMatchObject({
      From: { Name: 'Sender', Address: 'sender@example.test' },
      To: [{ Name: 'Bob', Address: 'bob+alerts@example.test' }],
      Cc: [{ Name: '', Address: 'carol@example.test' }],
      Bcc: [{ Name: '', Address: 'dan@example.test' }],
      Tags: ['alerts'],
      Snippet: 'Hello plain',
    });
    expect(String(messages[0]?.['Created'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/);
  });

  it('pages with start and limit', async () => {
    const { body } = await json('/api/v1/messages?start=1&limit=1');
    expect(body).toMatchObject({ start: 1, count: 1, messages_count: 2 });
    expect((body['messages'] as Array<{ ID: string }>)[0]?.ID).toBe(plainId);
  });

  it('searches, and refuses an empty or broken search', async () => {
    const { body } = await json('/api/v1/search?query=subject:résumé');
    expect(body).toMatchObject({ total: 2, messages_count: 1, count: 1 });
    const empty = await get('/api/v1/search?query=');
    expect(empty.status).toBe(400);
    expect(await empty.text()).toBe('Error: no search query');
    expect((await get('/api/v1/search?query=from:')).status).toBe(400);
  });

  it('returns the full message, marks it read, resolves latest with a query', async () => {
    const { body } = await json(`/api/v1/message/latest?query=${encodeURIComponent('subject:plain')}`);
    expect(body['ID']).toBe(plainId);
    const rich = (await json(`/api/v1/message/${richId}`)).body;
    expect(rich).toMatchObject({
      ID: richId,
      Subject: 'Résumé and photo',
      Text: expect.stringContaining('482913'),
      HTML: expect.stringContaining('cid:pic@x'),
      ListUnsubscribe: { Links: ['mailto:u@example.test', 'https://example.test/u'], Errors: '' },
      Tags: ['urgent', 'Work'],
    });
    const attachments = rich['Attachments'] as Array<Record<string, unknown>>;
    expect(attachments).toHaveLength(1);
    expect(attachments[0]).toMatchObject({
      FileName: 'notes.txt',
      ContentType: 'text/plain',
      Size: 14,
      Checksums: {
        MD5: expect.stringMatching(/^[0-9a-f]{32}$/),
        SHA1: expect.stringMatching(/^[0-9a-f]{40}$/),
        SHA256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    expect((rich['Inline'] as Array<Record<string, unknown>>)[0]).toMatchObject({ FileName: 'pic.png', ContentID: 'pic@x', ContentType: 'image/png' });
    expect(api.box.store.get(richId)?.flags.has('\\Seen')).toBe(true);
    expect(api.box.store.get(plainId)?.flags.has('\\Seen')).toBe(true);
  });

  it('marks nothing read for a page of another origin (an <img> pointed at the message), but still answers', async () => {
    await api.box.store.setFlags([plainId], 'remove', ['\\Seen']);
    for (const site of ['cross-site', 'same-site']) {
      const response = await get(`/api/v1/message/${plainId}`, { headers: { 'sec-fetch-site': site } });
      expect(response.status).toBe(200);
      expect(api.box.store.get(plainId)?.flags.has('\\Seen'), site).toBe(false);
    }
    // The web inbox's own fetches are same-origin.
    await get(`/api/v1/message/${plainId}`, { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(api.box.store.get(plainId)?.flags.has('\\Seen')).toBe(true);
  });

  it('checksums are those of the decoded part', async () => {
    const { createHash } = await import('node:crypto');
    const rich = (await json(`/api/v1/message/${richId}`)).body;
    const part = (rich['Attachments'] as Array<{ Checksums: Record<string, string> }>)[0];
    expect(part?.Checksums['SHA256']).toBe(createHash('sha256').update('attached notes').digest('hex'));
    expect(part?.Checksums['MD5']).toBe(createHash('md5').update('attached notes').digest('hex'));
  });

  it('marks read and unread by IDs, by search, and all; both IDs and Search is an error', async () => {
    expect((await send('PUT', '/api/v1/messages', { IDs: [plainId], Read: false })).status).toBe(200);
    expect(api.box.store.get(plainId)?.flags.has('\\Seen')).toBe(false);
    await send('PUT', '/api/v1/messages', { Search: 'subject:résumé', Read: false });
    expect(api.box.store.stats().unread).toBe(2);
    await send('PUT', '/api/v1/messages', { Read: true });
    expect(api.box.store.stats().unread).toBe(0);
    const both = await send('PUT', '/api/v1/messages', { IDs: [plainId], Search: 'x', Read: true });
    expect(both.status).toBe(400);
  });

  it('gives headers by canonical name, sorted', async () => {
    const { body } = await json(`/api/v1/message/${richId}/headers`);
    expect(Object.keys(body)).toEqual(Object.keys(body).sort());
    expect(body['Message-Id']).toHaveLength(1);
    expect(body['X-Tags']).toEqual(['Work, urgent!']);
  });

  it('gives the raw bytes, as a download with dl=1', async () => {
    const raw = await get(`/api/v1/message/${plainId}/raw`);
    expect(raw.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(Buffer.from(await raw.arrayBuffer()).equals((await api.box.store.readRaw(plainId)) ?? Buffer.alloc(0))).toBe(true);
    const dl = await get(`/api/v1/message/${plainId}/raw?dl=1`);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="${plainId}.eml"`);
  });

  it('serves parts and JPEG thumbnails', async () => {
    const rich = (await json(`/api/v1/message/${richId}`)).body;
    const inline = (rich['Inline'] as Array<{ PartID: string }>)[0];
    const text = (rich['Attachments'] as Array<{ PartID: string }>)[0];
    const part = await get(`/api/v1/message/${richId}/part/${inline?.PartID}`);
    expect(part.headers.get('content-type')).toBe('image/png');
    // The sender's bytes on this origin: never a script context (see html-safety.test.ts).
    expect(part.headers.get('content-security-policy')).toMatch(/^default-src 'none';/);
    expect(part.headers.get('content-security-policy')).not.toMatch(/script-src/);
    expect(Buffer.from(await part.arrayBuffer()).equals(PNG_1PX)).toBe(true);
    for (const id of [inline?.PartID, text?.PartID]) {
      const thumb = await get(`/api/v1/message/${richId}/part/${id}/thumb`);
      expect(thumb.headers.get('content-type')).toBe('image/jpeg');
      const bytes = Buffer.from(await thumb.arrayBuffer());
      expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    }
    expect((await get(`/api/v1/message/${richId}/part/9.9`)).status).toBe(404);
  });

  it('extracts links and one-time codes', async () => {
    const { body } = await json(`/api/v1/message/${richId}/extract`);
    expect(body).toEqual({ ID: richId, Links: ['https://example.test/x?a=1&b=2'], Codes: ['482913'] });
  });

  it('renders HTML with cid links rewritten and a strict policy, and text', async () => {
    const html = await get(`/view/${richId}.html`);
    expect(html.status).toBe(200);
    const page = await html.text();
    expect(page).toMatch(new RegExp(`src="/api/v1/message/${richId}/part/[0-9.]+"`));
    expect(html.headers.get('content-security-policy')).toMatch(/sandbox/);
    expect(await (await get(`/view/${plainId}.txt`)).text()).toContain('Hello plain');
    expect((await get(`/view/${plainId}.html`)).status).toBe(404);
    expect((await get('/view/nope.txt')).status).toBe(404);
  });

  it('redirects /view/latest to the web inbox showing the newest (matching) message', async () => {
    const newest = api.box.store.latest()!;
    const response = await get('/view/latest', { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`/?m=${newest.id}`);
    const matching = await get('/view/latest?query=subject:plain', { redirect: 'manual' });
    expect(matching.headers.get('location')).toBe(`/?m=${plainId}`);
    expect((await get('/view/latest?query=subject:no-such-subject', { redirect: 'manual' })).status).toBe(404);
  });

  it('sets, renames and deletes tags', async () => {
    expect(await (await json('/api/v1/tags')).body).toEqual(['alerts', 'urgent', 'Work']);
    expect((await send('PUT', '/api/v1/tags', { IDs: [plainId], Tags: ['one', 'two'] })).status).toBe(200);
    expect(api.box.store.get(plainId)?.tags).toEqual(['one', 'two']);
    expect((await send('PUT', '/api/v1/tags/one', { Name: 'uno' })).status).toBe(200);
    expect(api.box.store.get(plainId)?.tags).toEqual(['two', 'uno']);
    expect((await send('DELETE', '/api/v1/tags/two')).status).toBe(200);
    expect(api.box.store.get(plainId)?.tags).toEqual(['uno']);
    expect((await send('PUT', '/api/v1/tags', { Tags: ['x'] })).status).toBe(400);
  });

  it('refuses a tag it would have to clean, rather than store another (or none)', async () => {
    expect((await send('PUT', '/api/v1/tags', { IDs: [plainId], Tags: ['keep', 'me too'] })).status).toBe(200);
    for (const Tags of [['!!!'], ['keep', 'a,b;c<script>'], [''], ['two  spaces'], ['x'.repeat(101)]]) {
      const response = await send('PUT', '/api/v1/tags', { IDs: [plainId], Tags });
      expect([response.status, await response.json()], JSON.stringify(Tags)).toEqual([400, { Error: expect.stringContaining('not a tag') }]);
    }
    for (const Name of ['ga,mma<>', ' keep', '']) {
      const response = await send('PUT', '/api/v1/tags/keep', { Name });
      expect([response.status, await response.json()], Name).toEqual([400, { Error: expect.stringContaining('not a tag name') }]);
    }
    expect(api.box.store.get(plainId)?.tags).toEqual(['keep', 'me too']);
  });

  it('sends JSON as mail, with the size limit as 413 JSON', async () => {
    const ok = await send('POST', '/api/v1/send', {
      From: { Email: 'app@example.test', Name: 'App' },
      To: [{ Email: 'user@example.test' }],
      Bcc: ['audit@example.test'],
      Subject: 'Welcome ✓',
      Text: 'Hi',
      HTML: '<p>Hi <img src="cid:logo"></p>',
      Attachments: [
        { Content: Buffer.from('file body').toString('base64'), Filename: 'f.txt' },
        { Content: 'data:image/png;base64,' + PNG_1PX.toString('base64'), Filename: 'logo.png', ContentID: 'logo' },
      ],
      Headers: { 'X-Custom': 'yes' },
      Tags: ['api'],
    });
    expect(ok.status).toBe(200);
    const { ID } = (await ok.json()) as { ID: string };
    const stored = api.box.store.get(ID);
    expect(stored?.client.via).toBe('api');
    expect(stored?.envelope.rcptTo).toEqual(['user@example.test', 'audit@example.test']);
    expect(stored?.tags).toEqual(['api']);
    expect((await api.box.store.readRaw(ID))?.toString()).not.toMatch(/^Bcc:/m);
    const full = (await json(`/api/v1/message/${ID}`)).body;
    expect(full).toMatchObject({ Subject: 'Welcome ✓', Bcc: [{ Address: 'audit@example.test' }] });
    expect(full['Inline']).toHaveLength(1);
    expect(full['Attachments']).toHaveLength(1);

    const bad = await send('POST', '/api/v1/send', { To: [{ Email: 'x@y.test' }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ Error: expect.stringContaining('From') });
    const big = await send('POST', '/api/v1/send', { From: { Email: 'a@b.test' }, To: [{ Email: 'x@y.test' }], Text: 'x'.repeat(250_000) });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ Error: expect.any(String) });
    expect((await send('POST', '/api/v1/send', { From: { Email: 'a@b.test' }, To: [{ Email: 'x@y.test' }], Headers: { Subject: 'x' } })).status).toBe(400);
  });

  it('refuses a send it would store as something else, and stores nothing', async () => {
    const before = api.box.store.stats().messages;
    const to = [{ Email: 'x@y.test' }];
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{}, 'no recipients'],
      [{ To: [], Cc: null, Bcc: [] }, 'no recipients'],
      // Node's decoder would take "A" as no bytes at all, and "QUJD=" as "ABC".
      [{ To: to, Attachments: [{ Content: 'A', Filename: 'f.txt' }] }, 'not base64'],
      [{ To: to, Attachments: [{ Content: 'QUJD=', Filename: 'f.txt' }] }, 'not base64'],
      [{ To: to, Attachments: [{ Content: 'QUJD', Filename: 'f.txt', ContentType: 'not a type; "x' }] }, 'not a MIME type'],
      [{ To: to, Headers: { 'Content-Transfer-Encoding': 'bogus' } }, 'cannot be set here'],
      [{ To: to, Headers: { 'Message-ID': 'thread-1@app.test' } }, 'must be <left@right>'],
      [{ To: to, Headers: { 'Message-ID': '<two words@app.test>' } }, 'must be <left@right>'],
      [{ To: to, Tags: ['a,b'] }, 'not a tag'],
      [{ To: to, Tags: [' padded'] }, 'not a tag'],
    ];
    for (const [fields, error] of refusals) {
      const response = await send('POST', '/api/v1/send', { From: { Email: 'a@b.test' }, ...fields });
      expect([response.status, await response.json()], JSON.stringify(fields)).toEqual([400, { Error: expect.stringContaining(error) }]);
    }
    expect(api.box.store.stats().messages).toBe(before);
    // What is well formed goes through as given: a quoted parameter, a Message-ID of the sender's own.
    const sent = await send('POST', '/api/v1/send', {
      From: { Email: 'a@b.test' },
      Bcc: ['x@y.test'],
      Attachments: [{ Content: 'QUJD', Filename: 'f.txt', ContentType: 'text/plain; charset="utf-8"' }],
      Headers: { 'message-id': '<thread-1@app.test>' },
    });
    expect(sent.status).toBe(200);
    const raw = (await api.box.store.readRaw(((await sent.json()) as { ID: string }).ID))?.toString() ?? '';
    expect(raw.match(/^Message-ID: .*$/gim)).toEqual(['Message-ID: <thread-1@app.test>']);
    expect(raw).toMatch(/^Content-Type: text\/plain; charset=utf-8; name=f\.txt$/m);
  });

  it('checks a large attachment as it checks a small one (a repeated group in the check overflowed the regex stack)', async () => {
    const roomy = await startApi({ smtpMaxSize: 16 * 1024 * 1024 });
    try {
      const post = (content: string) =>
        fetch(`${roomy.base}/api/v1/send`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ From: { Email: 'a@b.test' }, To: [{ Email: 'b@c.test' }], Attachments: [{ Content: content, Filename: 'big.bin' }] }),
        });
      const large = Buffer.alloc(6 * 1024 * 1024, 'attachment ').toString('base64');
      expect((await post(large)).status).toBe(200);
      const bad = await post(`${large.slice(0, -4)}A=A=`);
      expect([bad.status, ((await bad.json()) as { Error: string }).Error]).toEqual([400, expect.stringContaining('not base64')]);
    } finally {
      await roomy.stop();
    }
  });

  it('describes itself: info and webui', async () => {
    const info = (await json('/api/v1/info')).body;
    expect(Object.keys(info).sort()).toEqual(['Database', 'DatabaseSize', 'LatestVersion', 'Messages', 'RuntimeStats', 'Tags', 'Unread', 'Version']);
    expect(info['Messages']).toBe(api.box.store.stats().messages);
    const webui = (await json('/api/v1/webui')).body;
    expect(webui).toMatchObject({ Label: '', MessageRelay: { Enabled: false }, SpamAssassin: false });
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(new RegExp(`^letterbox_messages ${api.box.store.stats().messages}$`, 'm'));
    expect(text).toMatch(/^letterbox_messages_accepted_total\{via="smtp"\} 2$/m);
    expect(text).toMatch(/^# TYPE letterbox_messages_pruned_total counter$/m);
  });

  it('puts security headers on every response, errors included', async () => {
    for (const path of ['/api/v1/messages', '/api/v1/message/nope', '/', '/livez', '/no/such/page']) {
      const response = await get(path);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'self'/);
      expect(response.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
    }
  });

  it('deletes by search, by IDs, then everything', async () => {
    expect((await get('/api/v1/search?query=subject:plain', { method: 'DELETE' })).status).toBe(200);
    expect(api.box.store.get(plainId)).toBeUndefined();
    expect((await send('DELETE', '/api/v1/messages', { IDs: [richId] })).status).toBe(200);
    expect(api.box.store.get(richId)).toBeUndefined();
    await api.send({ subject: 'left' });
    expect((await get('/api/v1/messages', { method: 'DELETE' })).status).toBe(200);
    expect(api.box.store.stats().messages).toBe(0);
  });
});

describe('web inbox', () => {
  it('serves a built UI with index.html fallback and long-cached hashed assets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'letterbox-ui-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Inbox UI</title>');
    await writeFile(join(dir, 'assets', 'index-AbC123xy.js'), 'console.log(1)');
    const ui = await startApi({ uiDir: dir, webroot: '/mail/' });
    try {
      for (const path of ['/', '/message/abc']) {
        const page = await fetch(ui.base + path);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('Inbox UI');
        expect(page.headers.get('cache-control')).toBe('no-cache');
      }
      const asset = await fetch(ui.base + '/assets/index-AbC123xy.js');
      expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(asset.headers.get('cache-control')).toMatch(/immutable/);
      // Text assets go out gzipped to clients that take gzip (fetch decodes them back).
      expect(asset.headers.get('content-encoding')).toBe('gzip');
      expect(await asset.text()).toBe('console.log(1)');
      const plain = await fetch(ui.base + '/assets/index-AbC123xy.js', { headers: { 'Accept-Encoding': 'identity' } });
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(await plain.text()).toBe('console.log(1)');
      expect((await fetch(ui.base + '/assets/missing-12345678.js')).status).toBe(404);
      expect((await fetch(ui.base + '/%2e%2e/%2e%2e/etc/passwd')).status).toBeGreaterThanOrEqual(400);
      expect((await fetch(ui.base + '/api/v1/messages')).status).toBe(200);
      expect((await fetch(ui.base + '/api/v1/nothing')).status).toBe(404);
      // The webroot without its slash leads to it.
      const bare = await fetch(ui.base, { redirect: 'manual' });
      expect([bare.status, bare.headers.get('location')]).toEqual([308, '/mail/']);
      const searched = await fetch(`${ui.base}?q=subject%3Ahi`, { redirect: 'manual' });
      expect(searched.headers.get('location')).toBe('/mail/?q=subject%3Ahi');
    } finally {
      await ui.stop();
    }
  });

  it('serves a plain page when the UI is not built', async () => {
    const ui = await startApi({ uiDir: await mkdtemp(join(tmpdir(), 'letterbox-no-ui-here-')) });
    try {
      const page = await fetch(ui.base + '/');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('api/v1/messages');
    } finally {
      await ui.stop();
    }
  });
});
