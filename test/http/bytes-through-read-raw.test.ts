import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readMbox } from '../../server/transfer/mbox.js';
import { readZip } from '../../server/transfer/zip-reader.js';
import { ReadRawWatch } from '../helpers/read-raw-watch.js';
import { callJson, callTool } from '../mcp/mcp-helpers.js';
import { Pop3Dialogue } from '../pop3/pop3-dialogue.js';
import { startApi, type ApiBox } from './http-helpers.js';

/**
 * The HTTP API, POP3 and MCP read a message's bytes only through `MailStore.readRaw`,
 * as a store keeping bodies outside the process needs: a read of a stored message's
 * `raw` from those fronts (or the services they use: parse cache, export, indexer)
 * outside readRaw fails the test. readRaw counts its calls and can answer that a
 * message is gone, as for one deleted between its listing and the read of its bytes.
 */
const USER = 'reader@blue.com';

/** A multipart with a List-Unsubscribe header, HTML, and a plain-text attachment (its charset read from the MIME tree). */
const MULTIPART = {
  to: USER,
  subject: 'Parts',
  text: 'the plain body',
  html: '<p>the html body</p>',
  headers: { 'List-Unsubscribe': '<mailto:leave@red.com>' },
  attachments: [{ filename: 'note.txt', content: Buffer.from('a note in latin-1: caf\xe9', 'latin1'), contentType: 'text/plain; charset=iso-8859-1' }],
};
/** Bare LF line ends: its POP3 wire size is larger than its stored size, so LIST needs the bytes once. */
const BARE_LF = Buffer.from(`From: a@red.com\nTo: ${USER}\nSubject: bare\n\n.dotted line\nlast line\n`);

let api: ApiBox;
let mcp: Client;
let watch: ReadRawWatch;
const readsOf = <T>(run: () => Promise<T>) => watch.readsOf(run);

const get = (path: string) => fetch(`${api.base}${path}`, { headers: { accept: 'application/json' } });

async function pop3(): Promise<Pop3Dialogue> {
  const session = await Pop3Dialogue.open(api.box.port('pop3'));
  await session.login(USER);
  return session;
}

beforeAll(async () => {
  api = await startApi();
  // The store reading its own record is not a front's read; nor is the plain-text body
  // summary the memory store's indexer keeps (mime/ascii-text-body.ts), which reads its
  // message's bytes for the snippet: it is index data of the memory store.
  watch = new ReadRawWatch(api.box.store, /[\\/]server[\\/](http|pop3|mcp|transfer|derived|spam|relay|inboxes)[\\/]/, /[\\/]server[\\/](store[\\/]|mime[\\/]ascii-text-body)/);
  mcp = new Client({ name: 'letterbox-test', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(`${api.base}/mcp`)));
});
afterAll(async () => {
  await mcp?.close();
  await api?.stop();
});
afterEach(() => {
  watch.gone.clear();
  expect(watch.strayReads.splice(0)).toEqual([]);
});

describe('fronts read message bytes through store.readRaw only', () => {
  it('the HTTP API: message, headers, raw, part, view and export', async () => {
    const { id } = await api.send(MULTIPART);
    const stored = watch.bytes(id);

    const message = await readsOf(async () => (await get(`/api/v1/message/${id}`)).json());
    expect(message.result).toMatchObject({ ID: id, Text: 'the plain body', ListUnsubscribe: { Links: ['mailto:leave@red.com'] } });
    expect(message.read).toContain(id);

    const headers = await readsOf(async () => (await get(`/api/v1/message/${id}/headers`)).json());
    expect(headers.result).toMatchObject({ Subject: ['Parts'], 'List-Unsubscribe': ['<mailto:leave@red.com>'] });
    expect(headers.read).toEqual([id]);

    const raw = await readsOf(async () => Buffer.from(await (await get(`/api/v1/message/${id}/raw`)).arrayBuffer()));
    expect(raw.result.equals(stored)).toBe(true);
    expect(raw.read).toEqual([id]);

    const attachment = (message.result as { Attachments: Array<{ PartID: string }> }).Attachments[0]?.PartID;
    const part = await readsOf(() => get(`/api/v1/message/${id}/part/${attachment}`));
    expect(part.result.headers.get('content-type')).toBe('text/plain; charset=iso-8859-1');
    expect(Buffer.from(await part.result.arrayBuffer()).toString('latin1')).toBe('a note in latin-1: caf\xe9');
    // The view comes from the parse cache; the MIME tree that vouches for the charset is built from a read of the bytes.
    expect(part.read).toEqual([id]);

    const view = await (await get(`/view/${id}.html`)).text();
    expect(view).toContain('the html body');

    const mbox = await readsOf(async () => Buffer.from(await (await get('/api/v1/export?format=mbox')).arrayBuffer()));
    expect(readMbox(mbox.result).map((entry) => entry.raw.equals(stored))).toContain(true);
    expect(mbox.read).toContain(id);
    const zip = readZip(Buffer.from(await (await get('/api/v1/export?format=zip')).arrayBuffer()));
    expect(zip.find((entry) => entry.name.endsWith(`-${id}.eml`))?.data.equals(stored)).toBe(true);
  });

  it('a message gone before its bytes are read is answered as a missing one, and left out of an export', async () => {
    const { id } = await api.send({ to: USER, subject: 'Going', text: 'soon gone' });
    const missing = await get('/api/v1/message/no-such-id');
    const missingBody = await missing.text();
    expect(missing.status).toBe(404);
    watch.gone.add(id);
    for (const path of [`/api/v1/message/${id}`, `/api/v1/message/${id}/headers`, `/api/v1/message/${id}/raw`, `/view/${id}.html`, `/api/v1/message/${id}/extract`]) {
      const response = await get(path);
      expect([path, response.status, await response.text()]).toEqual([path, 404, missingBody]);
    }
    const exported = readZip(Buffer.from(await (await get('/api/v1/export?format=zip')).arrayBuffer()));
    expect(exported.some((entry) => entry.name.includes(id))).toBe(false);
    // Not remembered as gone: once readable again, it is served.
    watch.gone.delete(id);
    expect((await get(`/api/v1/message/${id}`)).status).toBe(200);
  });

  it('POP3: RETR and TOP read the bytes; wire sizes are measured once, then known from the index', async () => {
    const bare = await api.box.store.deliver({ raw: BARE_LF, envelope: { mailFrom: 'a@red.com', rcptTo: [USER] } });
    const first = await readsOf(async () => {
      const session = await pop3();
      const list = await session.multiline('LIST');
      return { session, list };
    });
    const { session, list } = first.result;
    // Every message of the maildrop is measured at the first opening, the bare-LF one included.
    expect(first.read).toContain(bare.id);
    const numbers = api.box.store.folder(USER, 'INBOX')?.entries.map((entry) => entry.message.id) ?? [];
    const number = numbers.indexOf(bare.id) + 1;
    // Each bare LF goes out as CRLF (RFC 1939 §11): one more octet per line than stored.
    expect(list.lines).toContain(`${number} ${BARE_LF.length + BARE_LF.toString().split('\n').length - 1}`);

    const retr = await readsOf(() => session.multiline(`RETR ${number}`));
    expect(retr.result.body.toString('latin1')).toBe(BARE_LF.toString('latin1').replace(/\n/g, '\r\n'));
    expect(retr.read).toEqual([bare.id]);
    const top = await readsOf(() => session.multiline(`TOP ${number} 0`));
    expect(top.result.body.toString('latin1')).toBe(`From: a@red.com\r\nTo: ${USER}\r\nSubject: bare\r\n\r\n`);
    expect(top.read).toEqual([bare.id]);

    watch.gone.add(bare.id);
    expect(await session.command(`RETR ${number}`)).toBe(`-ERR Message ${number} was removed from the server`);
    expect(await session.command(`TOP ${number} 1`)).toBe(`-ERR Message ${number} was removed from the server`);
    expect(await session.command('QUIT')).toMatch(/^\+OK/);
    watch.gone.clear();

    const again = await readsOf(async () => {
      const next = await pop3();
      const listed = await next.multiline('LIST');
      await next.command('QUIT');
      return listed;
    });
    expect(again.result.lines).toEqual(list.lines);
    expect(again.read).toEqual([]);
  });

  it('MCP: the source and headers tools', async () => {
    const { id } = await api.send({ to: USER, subject: 'For the agent', text: 'agent body' });
    const source = await readsOf(() => callTool(mcp, 'get_message_source', { id }));
    expect(source.result.isError).toBe(false);
    expect(source.result.text).toBe(watch.bytes(id).toString('utf8'));
    expect(source.read).toEqual([id]);
    const headers = await readsOf(() => callJson<Record<string, string[]>>(mcp, 'get_message_headers', { id }));
    expect(headers.result.Subject).toEqual(['For the agent']);
    expect(headers.read).toEqual([id]);
  });
});
