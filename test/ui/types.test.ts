import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toListPage, toMessage, toSummary, toWebUi } from '../../ui/src/types.js';
import { startApi, type ApiBox } from '../http/http-helpers.js';

let api: ApiBox;
let id = '';
const json = async (path: string): Promise<unknown> => (await fetch(api.base + path)).json();

beforeAll(async () => {
  api = await startApi();
  id = (
    await api.send({
      from: 'Ann <ann@red.com>',
      to: 'bob@blue.com',
      cc: 'carol@blue.com',
      replyTo: 'desk@red.com',
      subject: 'decoded as sent',
      text: 'body',
      html: '<p>body</p>',
      attachments: [{ filename: 'a.txt', content: 'attached' }],
      headers: { 'List-Unsubscribe': '<https://red.com/u>' },
    })
  ).id;
});
afterAll(async () => {
  await api.stop();
});

/** The inbox decodes Letterbox's JSON with nothing lost: every field the server writes, it keeps as written. */
describe('the inbox reads what the server writes', () => {
  it('a list page and its entries', async () => {
    const page = await json('/api/v1/messages');
    expect(toListPage(page)).toEqual(page);
    const entry = (page as { messages: unknown[] }).messages[0];
    expect(toSummary(entry)).toMatchObject({ ID: id, ReplyTo: [{ Name: '', Address: 'desk@red.com' }], Username: '' });
  });

  it('a message', async () => {
    const message = await json(`/api/v1/message/${id}`);
    expect(toMessage(message)).toEqual(message);
  });

  it('the web inbox configuration', async () => {
    const webui = await json('/api/v1/webui');
    expect(toWebUi(webui)).toEqual(webui);
  });
});

describe("a Mailpit's list entry (mailpit-api.md §1.1)", () => {
  it('reads absent lists (null) as empty and counts them from the lists', () => {
    const entry = {
      ID: 'x1', MessageID: 'm@x', Read: false, From: null, To: null, Cc: null, Bcc: [{ Name: '', Address: 'b@x' }],
      ReplyTo: [], Subject: 's', Created: '2025-03-08T23:58:34.665934146+13:00', Username: 'alice', Tags: [], Size: 10, Attachments: 0, Snippet: '',
    };
    expect(toSummary(entry)).toEqual({ ...entry, To: [], Cc: [], ToCount: 0, CcCount: 0, BccCount: 1, ReplyToCount: 0 });
  });
});
