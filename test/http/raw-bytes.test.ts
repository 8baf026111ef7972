import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyBytes } from '../../server/http/body-bytes.js';
import { SmtpDialogue, queuedId, stuffAfterCrlf } from '../helpers/smtp-dialogue.js';
import { startApi, type ApiBox } from './http-helpers.js';

let api: ApiBox;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.stop();
});

/** Sends `raw` as DATA over a raw SMTP dialogue (stuffed and terminated here; it ends in CRLF) and returns the stored id. */
async function deliver(raw: Buffer): Promise<string> {
  const smtp = await SmtpDialogue.open(api.box.port('smtp'));
  try {
    return queuedId(await smtp.send(Buffer.concat([stuffAfterCrlf(raw), Buffer.from('.\r\n')])));
  } finally {
    smtp.close();
  }
}

/** Every byte value that DATA can carry: 8-bit text, a lone CR, NUL, a line that starts with a dot. */
function awkwardMessage(bodyLength: number): Buffer {
  const head = Buffer.from('From: a@red.com\r\nTo: b@blue.com\r\nSubject: bytes\r\n\r\n.leading dot\r\ncaf\xe9 \x00 lone\rcr\r\n', 'latin1');
  const body = Buffer.alloc(bodyLength);
  for (let i = 0; i < bodyLength; i++) body[i] = i % 78 === 77 ? 0x0a : 0x20 + ((i * 7) % 0xdf);
  return Buffer.concat([head, body, Buffer.from('\r\n')]);
}

describe('GET /api/v1/message/{ID}/raw', () => {
  it('serves a small message exactly, though its stored bytes share a pooled slab with others', async () => {
    const sent = awkwardMessage(200);
    const id = await deliver(sent);
    const stored = await api.box.store.readRaw(id);
    // The case a body made from the slab's ArrayBuffer would get wrong.
    expect(stored && stored.buffer.byteLength > stored.length).toBe(true);
    const served = Buffer.from(await (await fetch(`${api.base}/api/v1/message/${id}/raw`)).arrayBuffer());
    expect(served.equals(sent)).toBe(true);
  });

  it('serves a large message exactly', async () => {
    const sent = awkwardMessage(3_000_000);
    const id = await deliver(sent);
    const response = await fetch(`${api.base}/api/v1/message/${id}/raw?dl=1`);
    expect(response.headers.get('content-length')).toBe(String(sent.length));
    expect(Buffer.from(await response.arrayBuffer()).equals(sent)).toBe(true);
  });
});

describe('bodyBytes', () => {
  it('hands on the stored view itself, not a copy', () => {
    const slab = Buffer.from('one two three');
    const view = slab.subarray(4, 7);
    expect(bodyBytes(view)).toBe(view);
  });

  it('copies a view of shared memory, which a response body cannot take', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(4));
    shared.set([1, 2, 3, 4]);
    const body = bodyBytes(shared);
    expect(body).not.toBe(shared);
    expect([...body]).toEqual([1, 2, 3, 4]);
  });
});
