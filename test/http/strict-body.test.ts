import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEEN } from '../../server/store/types.js';
import { startSink, type SmtpSink } from '../relay/smtp-sink.js';
import { startApi, type ApiBox } from './http-helpers.js';

/**
 * Every JSON body goes through one strict decoder: keys match in any case (as Mailpit's
 * Go decoder does), and an unknown key, a wrong type, a prototype key or two spellings
 * of one key are a 400 JSON error naming the key, with nothing changed.
 */
let api: ApiBox;
let sink: SmtpSink;
let ids: string[] = [];

beforeAll(async () => {
  sink = await startSink();
  api = await startApi({
    enableChaos: true,
    releaseSmarthost: { host: '127.0.0.1', port: sink.port },
    releaseAllowInsecure: true,
  });
});
afterAll(async () => {
  await api.stop();
  await sink.close();
});

/** Three messages, all unread. */
beforeEach(async () => {
  await api.box.store.clear();
  ids = await Promise.all(['one', 'two', 'three'].map(
    async (subject) => (await api.box.store.deliver({ raw: Buffer.from(`From: a@red.com\r\nSubject: ${subject}\r\n\r\n${subject}\r\n`), envelope: { mailFrom: 'a@red.com', rcptTo: ['bob@blue.com'] } })).id,
  ));
});

const call = (method: string, path: string, body?: string) =>
  fetch(api.base + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }) });

async function expectRefused(response: Response, mentions: string): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { Error: string };
  expect(body).toEqual({ Error: expect.any(String) });
  expect(body.Error).toContain(mentions);
}

const stored = () => api.box.store.messages().map((m) => m.id).sort();
const seen = () => api.box.store.messages().filter((m) => m.flags.has(SEEN)).map((m) => m.id).sort();

describe('DELETE /api/v1/messages', () => {
  it('reads "ids" and "Ids" as IDs and deletes only those', async () => {
    expect((await call('DELETE', '/api/v1/messages', JSON.stringify({ ids: [ids[0]] }))).status).toBe(200);
    expect(stored()).toEqual([ids[1], ids[2]].sort());
    expect((await call('DELETE', '/api/v1/messages', JSON.stringify({ Ids: [ids[1]] }))).status).toBe(200);
    expect(stored()).toEqual([ids[2]]);
  });

  it('refuses Search, an unknown key, a wrong type and null, and deletes nothing', async () => {
    const cases: Array<[string, string]> = [
      ['{"Search":"subject:one"}', 'unknown key "Search" in the request body'],
      ['{"Foo":1}', 'unknown key "Foo"'],
      ['{"IDs":"abc"}', '"IDs" must be an array of strings'],
      ['{"IDs":[1]}', '"IDs[0]" must be a string'],
      ['{"IDs":null}', '"IDs" must be an array of strings, not null'],
      ['{"IDs":["x"],"ids":[]}', 'key "ids" repeats "IDs"'],
      ['{"IDs":["a\\u0000b"]}', 'control character'],
      ['[]', 'the request body must be a JSON object'],
      ['null', 'the request body must be a JSON object'],
      ['"IDs"', 'the request body must be a JSON object'],
    ];
    for (const [body, mentions] of cases) await expectRefused(await call('DELETE', '/api/v1/messages', body), mentions);
    expect(stored()).toEqual([...ids].sort());
  });

  it('refuses __proto__, constructor and prototype at any depth', async () => {
    for (const body of ['{"__proto__":{"IDs":[]}}', '{"IDs":[],"constructor":1}', '{"IDs":[{"prototype":1}]}', '{"Prototype":[]}']) {
      await expectRefused(await call('DELETE', '/api/v1/messages', body), 'forbidden key');
    }
    expect(stored()).toEqual([...ids].sort());
  });

  it('deletes everything only for no body, {} or {"IDs": []}', async () => {
    for (const body of [undefined, '', '{}', '{"IDs":[]}', '{"ids":[]}']) {
      expect(stored()).toHaveLength(3);
      expect((await call('DELETE', '/api/v1/messages', body)).status).toBe(200);
      expect(stored()).toEqual([]);
      for (const subject of ['a', 'b', 'c']) api.box.store.deliver({ raw: Buffer.from(`Subject: ${subject}\r\n\r\nx\r\n`), envelope: { mailFrom: '', rcptTo: ['b@c.d'] } });
    }
  });

  it('refuses a key repeated as written, which JSON.parse would read as its last value', async () => {
    for (const body of ['{"IDs":["x"],"IDs":[]}', '{"IDs":[],"I\\u0044s":[]}', '{"Read":true,"Read":false}']) {
      await expectRefused(await call(body.includes('Read') ? 'PUT' : 'DELETE', '/api/v1/messages', body), 'appears twice');
    }
    expect(stored()).toEqual([...ids].sort());
  });

  it('refuses a body nested past the depth limit', async () => {
    await expectRefused(await call('DELETE', '/api/v1/messages', `{"IDs":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), 'nests deeper');
    expect(stored()).toHaveLength(3);
  });
});

describe('PUT /api/v1/messages', () => {
  it('matches keys in any case', async () => {
    expect((await call('PUT', '/api/v1/messages', JSON.stringify({ ids: [ids[0]], read: true }))).status).toBe(200);
    expect(seen()).toEqual([ids[0]]);
    expect((await call('PUT', '/api/v1/messages', '{"SEARCH":"subject:two","READ":true}')).status).toBe(200);
    expect(seen()).toEqual([ids[0], ids[1]].sort());
  });

  it('refuses a lone __proto__, a wrong type, a blank Search and both selectors, and marks nothing', async () => {
    const cases: Array<[string, string]> = [
      ['{"__proto__":{"Read":true}}', 'forbidden key "__proto__"'],
      ['{"Read":"yes"}', '"Read" must be true or false'],
      ['{"Read":true,"Search":"  "}', '"Search" is blank'],
      ['{"Read":true,"Search":null}', '"Search" must be a string'],
      [`{"Read":true,"IDs":["${ids[0]}"],"Search":"subject:one"}`, 'not both'],
      ['{"Read":true,"Seen":true}', 'unknown key "Seen"'],
    ];
    for (const [body, mentions] of cases) await expectRefused(await call('PUT', '/api/v1/messages', body), mentions);
    expect(seen()).toEqual([]);
  });

  it('marks everything for {"Read": true} and {"IDs": [], "Read": true}', async () => {
    expect((await call('PUT', '/api/v1/messages', '{"Read":true}')).status).toBe(200);
    expect(seen()).toEqual([...ids].sort());
    expect((await call('PUT', '/api/v1/messages', '{"IDs":[]}')).status).toBe(200);
    expect(seen()).toEqual([]);
  });
});

describe('the other JSON routes', () => {
  it('tags: set and rename in any case; unknown and mistyped keys refused', async () => {
    expect((await call('PUT', '/api/v1/tags', JSON.stringify({ ids: [ids[0]], tags: ['red'] }))).status).toBe(200);
    expect(api.box.store.get(ids[0] as string)?.tags).toEqual(['red']);
    await expectRefused(await call('PUT', '/api/v1/tags', JSON.stringify({ IDs: [ids[1]], Tag: ['blue'] })), 'unknown key "Tag"');
    await expectRefused(await call('PUT', '/api/v1/tags', JSON.stringify({ IDs: [], Tags: ['blue'] })), '"IDs"');
    expect((await call('PUT', '/api/v1/tags/red', '{"name":"green"}')).status).toBe(200);
    expect(api.box.store.get(ids[0] as string)?.tags).toEqual(['green']);
    await expectRefused(await call('PUT', '/api/v1/tags/green', '{"Name":5}'), '"Name" must be a string');
    await expectRefused(await call('PUT', '/api/v1/tags/green', '{"Name":"x","constructor":{}}'), 'forbidden key "constructor"');
    expect(api.box.store.get(ids[0] as string)?.tags).toEqual(['green']);
  });

  it('send: keys in any case; unknown, mistyped and prototype keys refused, nothing stored', async () => {
    const sent = await call('POST', '/api/v1/send', JSON.stringify({ from: { email: 'app@red.com' }, to: [{ EMAIL: 'bob@blue.com', name: 'Bob' }], subject: 'Hi' }));
    expect(sent.status).toBe(200);
    const { ID } = (await sent.json()) as { ID: string };
    expect(api.box.store.get(ID)?.envelope.rcptTo).toEqual(['bob@blue.com']);
    const before = stored();
    const cases: Array<[unknown, string]> = [
      [{ From: { Email: 'a@red.com' }, Attachment: [] }, 'unknown key "Attachment"'],
      [{ From: { Email: 'a@red.com', Nmae: 'A' } }, 'unknown key "Nmae" in "From"'],
      [{ From: { Email: 'a@red.com' }, To: 'bob@blue.com' }, '"To" must be an array of JSON objects'],
      [{ From: { Email: 'a@red.com' }, Subject: 'a\r\nBcc: eve@evil.com' }, '"Subject" holds a control character'],
      [{ From: { Email: 'a@red.com' }, Headers: { 'X-A': 'x', 'x-a': 'y' } }, 'repeats "X-A"'],
      [JSON.parse('{"From":{"Email":"a@red.com"},"Headers":{"__proto__":"x"}}'), 'forbidden key "__proto__"'],
      [{ From: { Email: 'a@red.com' }, Attachments: [{ Filename: 'f', Content: 'eA==', Prototype: 1 }] }, 'forbidden key "Prototype"'],
    ];
    for (const [body, mentions] of cases) await expectRefused(await call('POST', '/api/v1/send', JSON.stringify(body)), mentions);
    expect(stored()).toEqual(before);
  });

  it('release: "to" in any case releases; an unknown key is refused and nothing is sent', async () => {
    const released = await call('POST', `/api/v1/message/${ids[0]}/release`, '{"to":["bob@blue.com"]}');
    expect({ status: released.status, text: await released.text() }).toEqual({ status: 200, text: 'ok' });
    expect(sink.messages).toHaveLength(1);
    await expectRefused(await call('POST', `/api/v1/message/${ids[0]}/release`, '{"To":["bob@blue.com"],"Cc":["eve@evil.com"]}'), 'unknown key "Cc"');
    await expectRefused(await call('POST', `/api/v1/message/${ids[0]}/release`, '{}'), 'missing key "To"');
    expect(sink.messages).toHaveLength(1);
  });

  it('chaos: triggers and pause in any case; fractions, unknown stages and modes refused', async () => {
    const set = await call('PUT', '/api/v1/chaos', '{"sender":{"errorcode":451,"PROBABILITY":5}}');
    expect(set.status).toBe(200);
    expect(((await set.json()) as Record<string, unknown>)['Sender']).toEqual({ ErrorCode: 451, Probability: 5 });
    await expectRefused(await call('PUT', '/api/v1/chaos', '{"Sender":{"ErrorCode":451.5,"Probability":5}}'), '"Sender.ErrorCode" must be a whole number');
    await expectRefused(await call('PUT', '/api/v1/chaos', '{"Bogus":null}'), 'unknown key "Bogus"');
    await expectRefused(await call('PUT', '/api/v1/chaos', '{"Sender":{"ErrorCode":451}}'), 'missing key "Probability" in "Sender"');
    expect(((await (await call('GET', '/api/v1/chaos')).json()) as Record<string, unknown>)['Sender']).toEqual({ ErrorCode: 451, Probability: 5 });
    expect((await call('PUT', '/api/v1/chaos/pause', '{"mode":"refuse"}')).status).toBe(200);
    await expectRefused(await call('PUT', '/api/v1/chaos/pause', '{"Mode":"sleep"}'), '"Mode" must be one of "off", "discard", "refuse"');
    expect((await call('PUT', '/api/v1/chaos/pause', '{"Mode":"off"}')).status).toBe(200);
    expect((await call('PUT', '/api/v1/chaos', '{}')).status).toBe(200);
  });
});
