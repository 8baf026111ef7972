import { BodyIndexer } from '../../server/derived/body-indexer.js';
import { MemoryStore } from '../../server/store/memory-store.js';
import type { StoredMessage } from '../../server/store/types.js';

const mail = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');

/**
 * Search fixtures: each one exercises a decoding the search must see through
 * (RFC 2047 words, quoted-printable, base64, non-UTF-8 charsets, HTML-only, parts).
 */
export const FIXTURES: Record<string, { raw: Buffer; rcptTo: string[]; receivedAt: string; tags?: string[]; read?: boolean }> = {
  encodedSubject: {
    raw: mail([
      'From: =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <zoe@example.de>',
      'To: Alice <alice@example.com>',
      'Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=',
      'Message-ID: <greet-1@example.de>',
      'Date: Mon, 01 Jan 2024 09:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Caf=C3=A9 cr=C3=A8me at noon, the QP soft=',
      'break joins words.',
    ]),
    rcptTo: ['alice@example.com'],
    receivedAt: '2024-01-01T09:00:00Z',
  },
  base64Body: {
    raw: mail([
      'From: Billing <billing@shop.test>',
      'To: alice@example.com',
      'Cc: Carol <carol@x.test>',
      'Subject: Invoice 42',
      'Date: Tue, 02 Jan 2024 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('Ünïcödé body with a secret-token inside.\r\n').toString('base64'),
    ]),
    rcptTo: ['alice@example.com', 'carol@x.test', 'hidden@bcc.test'],
    receivedAt: '2024-01-02T10:00:00Z',
    tags: ['billing'],
  },
  latin1: {
    raw: mail([
      'From: =?iso-8859-1?q?J=F6rg?= <jorg@example.de>',
      'To: bob@example.com',
      'Subject: =?iso-8859-1?q?Caf=E9_=E0_Paris?=',
      'Date: Wed, 03 Jan 2024 11:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Bj=F6rk sang in the =C9glise.',
    ]),
    rcptTo: ['bob@example.com'],
    receivedAt: '2024-01-03T11:00:00Z',
    read: true,
  },
  koi8: {
    raw: mail([
      'From: ivan@example.ru',
      'To: bob@example.com',
      'Subject: =?koi8-r?B?8NLJ18XU?=',
      'Date: Thu, 04 Jan 2024 12:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=koi8-r',
      'Content-Transfer-Encoding: base64',
      '',
      // "Мир и ДРУЖБА" in KOI8-R
      Buffer.from([0xed, 0xc9, 0xd2, 0x20, 0xc9, 0x20, 0xe4, 0xf2, 0xf5, 0xf6, 0xe2, 0xe1]).toString('base64'),
    ]),
    rcptTo: ['bob@example.com'],
    receivedAt: '2024-01-04T12:00:00Z',
  },
  htmlOnly: {
    raw: mail([
      'From: News <news@letters.test>',
      'To: alice@example.com',
      'Reply-To: replies@letters.test',
      'Subject: Newsletter',
      'Date: Fri, 05 Jan 2024 13:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><head><style>.hidden-style-word{}</style></head><body><p>Hello <b>World</b> &amp; friends</p></body></html>',
    ]),
    rcptTo: ['alice@example.com'],
    receivedAt: '2024-01-05T13:00:00Z',
  },
  attachment: {
    raw: mail([
      'From: Dave <dave@ex.test>',
      'To: alice@example.com',
      'Subject: Report attached',
      'Date: Sat, 06 Jan 2024 14:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=windows-1252',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'See the =93quarterly=94 figures.',
      '--b1',
      'Content-Type: application/pdf; name="q1.pdf"',
      'Content-Disposition: attachment; filename="q1.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 fake').toString('base64'),
      '--b1--',
    ]),
    rcptTo: ['alice@example.com'],
    receivedAt: '2024-01-06T14:00:00Z',
    tags: ['reports', 'billing'],
  },
  inlineImage: {
    raw: mail([
      'From: Pics <pics@ex.test>',
      'To: bob@example.com',
      'Subject: Photo',
      'Date: Sun, 07 Jan 2024 15:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/related; boundary="r1"',
      '',
      '--r1',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Look <img src="cid:img1@ex.test"></p>',
      '--r1',
      'Content-Type: image/png',
      'Content-ID: <img1@ex.test>',
      'Content-Disposition: inline',
      'Content-Transfer-Encoding: base64',
      '',
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
      '--r1--',
    ]),
    rcptTo: ['bob@example.com'],
    receivedAt: '2024-01-07T15:00:00Z',
  },
};

export type FixtureName = keyof typeof FIXTURES;

/** A store holding every fixture, fully indexed; returns the name of each stored message. */
export async function fixtureStore(): Promise<{ store: MemoryStore; nameOf: (m: StoredMessage) => string }> {
  const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
  const indexer = new BodyIndexer(store);
  const names = new Map<string, string>();
  for (const [name, f] of Object.entries(FIXTURES)) {
    const message = await store.deliver({
      raw: f.raw,
      envelope: { mailFrom: 'sender@test', rcptTo: f.rcptTo },
      receivedAt: new Date(f.receivedAt),
      tags: f.tags ?? [],
      flags: f.read ? ['\\Seen'] : [],
    });
    names.set(message.id, name);
  }
  await indexer.idle();
  indexer.stop();
  return { store, nameOf: (m) => names.get(m.id) ?? '?' };
}
