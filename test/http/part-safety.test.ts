import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiBox } from './http-helpers.js';

/**
 * GET /api/v1/message/{ID}/part/{PartID} serves the sender's bytes from the inbox's own
 * origin. What a browser would treat as a document is a download of opaque bytes; only
 * verified raster images and plain text in an ASCII-superset charset are shown in place.
 */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 0x01, 0x01, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([26, 0, 0, 0]), Buffer.from('WEBPVP8L'), Buffer.from([13, 0, 0, 0, 0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0])]);
const BMP = (() => {
  const b = Buffer.alloc(58);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(58, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(1, 18);
  b.writeInt32LE(1, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return b;
})();
const ICO = Buffer.concat([Buffer.from([0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 32, 0]), Buffer.from([PNG.length, 0, 0, 0, 22, 0, 0, 0]), PNG]);
const HTML = '<script>parent.pwned = true</script><h1>hi</h1>';

interface PartSpec {
  /** The whole Content-Type field value. */
  type: string;
  /** The Content-Disposition field value (a file name in plain or RFC 2231 form). */
  disposition: string;
  body: Buffer;
  cid?: string;
}

/** A multipart/mixed message with an HTML body and the parts given, every part base64. */
function message(subject: string, html: string, parts: PartSpec[]): Buffer {
  const lines = ['From: a@red.example', 'To: b@blue.example', `Subject: ${subject}`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="P"', ''];
  lines.push('--P', 'Content-Type: text/html; charset=utf-8', '', html);
  for (const part of parts) {
    lines.push('--P', `Content-Type: ${part.type}`, `Content-Disposition: ${part.disposition}`, 'Content-Transfer-Encoding: base64');
    if (part.cid) lines.push(`Content-ID: <${part.cid}>`);
    lines.push('', part.body.toString('base64'));
  }
  lines.push('--P--', '');
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

interface PartDto {
  PartID: string;
  FileName: string;
  ContentType: string;
  ContentID: string;
}

let api: ApiBox;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.stop();
});

/** Sends over SMTP and answers each part's JSON entry by its declared Content-Type. */
async function deliver(subject: string, html: string, parts: PartSpec[]): Promise<{ id: string; parts: PartDto[] }> {
  const { id } = await api.send({ raw: message(subject, html, parts) });
  const body = (await (await fetch(`${api.base}/api/v1/message/${id}`)).json()) as { Attachments: PartDto[]; Inline: PartDto[] };
  return { id, parts: [...body.Attachments, ...body.Inline] };
}

const partUrl = (id: string, partId: string) => `${api.base}/api/v1/message/${id}/part/${partId}`;

function expectDownload(response: Response): void {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/octet-stream');
  expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('content-security-policy')).toMatch(/(^|;\s*)sandbox(;|$)/);
}

describe('part content types', () => {
  const active: Array<[string, string]> = [
    ['text/html; charset=utf-8', 'page.html'],
    ['image/svg+xml', 'drawing.svg'],
    ['application/xhtml+xml', 'page.xhtml'],
    ['text/xml', 'feed.xml'],
    ['application/xml', 'data.xml'],
    ['text/javascript', 'run.js'],
    ['application/x-javascript', 'old.js'],
    ['application/ecmascript', 'es.js'],
    ['application/pdf', 'report.pdf'],
    ['application/x-letterbox-unknown', 'blob.bin'],
    ['text/csv', 'sheet.csv'],
  ];

  it('serves every active or unknown type as an opaque download with a sandboxing policy', async () => {
    const { id, parts } = await deliver(
      'active parts',
      '<p>active</p>',
      active.map(([type, name]) => ({ type, disposition: `attachment; filename="${name}"`, body: Buffer.from(HTML) })),
    );
    expect(parts.map((p) => p.FileName).sort()).toEqual(active.map(([, name]) => name).sort());
    for (const part of parts) {
      const response = await fetch(partUrl(id, part.PartID));
      expectDownload(response);
      expect(response.headers.get('content-disposition')).toContain(`filename="${part.FileName}"`);
      // The bytes themselves are unchanged: a download, not a rewrite.
      expect(await response.text()).toBe(HTML);
    }
  });

  it('shows a raster image in place only when its bytes are the format it claims', async () => {
    const images: Array<[string, Buffer, string]> = [
      ['image/png', PNG, 'image/png'],
      ['image/gif', GIF, 'image/gif'],
      ['image/jpg', JPEG, 'image/jpeg'],
      ['image/webp', WEBP, 'image/webp'],
      ['image/bmp', BMP, 'image/bmp'],
      ['image/vnd.microsoft.icon', ICO, 'image/x-icon'],
    ];
    const spoofed: Array<[string, Buffer]> = [
      ['image/png', Buffer.from(HTML)],
      ['image/jpeg', PNG],
      ['image/gif', Buffer.from('GIF8<script>')],
      ['image/bmp', Buffer.from('BM<html><script>alert(1)</script>')],
    ];
    const { id, parts } = await deliver('images', '<p>images</p>', [
      ...images.map(([type, body], i) => ({ type, disposition: `attachment; filename="good${i}"`, body })),
      ...spoofed.map(([type, body], i) => ({ type, disposition: `attachment; filename="spoof${i}"`, body })),
    ]);
    for (const part of parts) {
      const response = await fetch(partUrl(id, part.PartID));
      const good = /^good(\d)$/.exec(part.FileName);
      if (!good) {
        expectDownload(response);
        continue;
      }
      const [, , served] = images[Number(good[1])] as [string, Buffer, string];
      expect(response.headers.get('content-type')).toBe(served);
      expect(response.headers.get('content-disposition')).toMatch(/^inline;/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).not.toMatch(/script-src/);
    }
  });

  it('shows plain text in place only in a charset that is an ASCII superset', async () => {
    const { id, parts } = await deliver('text', '<p>text</p>', [
      { type: 'text/plain; charset=UTF-8', disposition: 'attachment; filename="utf8.txt"', body: Buffer.from('caf\u00e9 <b>') },
      { type: 'text/plain', disposition: 'attachment; filename="ascii.txt"', body: Buffer.from('plain') },
      { type: 'text/plain; charset=iso-8859-1', disposition: 'attachment; filename="latin1.txt"', body: Buffer.from('caf\xe9', 'latin1') },
      { type: 'text/plain; charset=utf-7', disposition: 'attachment; filename="utf7.txt"', body: Buffer.from('+ADw-script+AD4-') },
      { type: 'text/plain; charset=utf-16le', disposition: 'attachment; filename="utf16.txt"', body: Buffer.from('<script>', 'utf16le') },
      { type: 'text/plain; charset=x-unheard-of', disposition: 'attachment; filename="odd.txt"', body: Buffer.from('odd') },
    ]);
    const served = new Map<string, string | null>();
    for (const part of parts) {
      const response = await fetch(partUrl(id, part.PartID));
      served.set(part.FileName, response.headers.get('content-type'));
      if (['utf7.txt', 'utf16.txt', 'odd.txt'].includes(part.FileName)) expectDownload(response);
      else expect(response.headers.get('content-disposition')).toMatch(/^inline;/);
    }
    expect(Object.fromEntries(served)).toEqual({
      'utf8.txt': 'text/plain; charset=utf-8',
      'ascii.txt': 'text/plain; charset=us-ascii',
      'latin1.txt': 'text/plain; charset=iso-8859-1',
      'utf7.txt': 'application/octet-stream',
      'utf16.txt': 'application/octet-stream',
      'odd.txt': 'application/octet-stream',
    });
  });

  it('keeps cid: images working in /view and the thumbnails of images', async () => {
    const { id, parts } = await deliver('cid image', '<p><img id="logo" src="cid:logo@red.example"></p>', [
      { type: 'image/png', disposition: 'inline; filename="logo.png"', body: PNG, cid: 'logo@red.example' },
    ]);
    const page = await (await fetch(`${api.base}/view/${id}.html`)).text();
    const src = /src="([^"]+)"/.exec(page)?.[1] ?? '';
    expect(src).toMatch(new RegExp(`/api/v1/message/${id}/part/`));
    // As the inbox's sandboxed frame asks for it: an opaque origin (security.ts framedPartRequest).
    const image = await fetch(new URL(src, api.base), { headers: { origin: 'null' } });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true);
    const thumb = await fetch(`${partUrl(id, parts[0]?.PartID ?? '')}/thumb`);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect(thumb.headers.get('content-disposition')).toMatch(/^inline; filename="logo\.png\.jpg"/);
  });
});

/** The `filename*` of a Content-Disposition (RFC 5987 §3.2), decoded. */
function extendedName(disposition: string): string {
  const value = /filename\*=UTF-8''([^;\s]+)/.exec(disposition)?.[1];
  expect(value).toMatch(/^[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
  return decodeURIComponent(value ?? '');
}

describe('file names', () => {
  const hostile: Array<[string, string]> = [
    ['traversal', 'attachment; filename="../../etc/passwd"'],
    ['backslashes', 'attachment; filename="..\\\\..\\\\windows\\\\win.ini"'],
    ['bidi override', "attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe"],
    ['bidi isolate', "attachment; filename*=UTF-8''%E2%81%A6a%E2%81%A9b%E2%80%AAc.txt"],
    ['controls', "attachment; filename*=UTF-8''a%00b%07c%0D%0Ad%7F%C2%85.txt"],
    ['dots only', 'attachment; filename=".."'],
    ['quotes and percent', `attachment; filename*=UTF-8''it's%20%22100%25%22%20(final)*.txt`],
    ['huge', `attachment; filename="${'x'.repeat(3000)}.pdf"`],
  ];

  it('are one harmless segment in the message JSON and in Content-Disposition, the same in both', async () => {
    const { id, parts } = await deliver(
      'names',
      '<p>names</p>',
      hostile.map(([, disposition]) => ({ type: 'application/octet-stream', disposition, body: Buffer.from('x') })),
    );
    expect(parts).toHaveLength(hostile.length);
    for (const part of parts) {
      const name = part.FileName;
      expect(name).not.toMatch(/[/\\]/);
      expect(name).not.toMatch(/\.\./);
      expect(name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      const disposition = (await fetch(partUrl(id, part.PartID))).headers.get('content-disposition') ?? '';
      const fallback = /filename="([^"]*)"/.exec(disposition)?.[1] ?? '';
      expect(fallback).toMatch(/^[\x20-\x7e]+$/);
      expect(fallback).not.toMatch(/[\\%]/);
      expect(extendedName(disposition)).toBe(name || `part-${part.PartID}`);
    }
    const names = parts.map((p) => p.FileName);
    expect(names).toContain('_._etc_passwd');
    expect(names).toContain('invoicefdp.exe');
    expect(names).toContain('abc.txt');
    expect(names).toContain('abcd.txt');
    expect(names).toContain(`it's "100%" (final)*.txt`);
    expect(names.find((n) => n.startsWith('xxx'))).toMatch(/^x+\.pdf$/);
  });
});
