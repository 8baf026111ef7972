import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { queuedId, SmtpDialogue, stuffAfterCrlf } from '../helpers/smtp-dialogue.js';

/**
 * No message content may make any route answer 5xx: whatever a sender writes is
 * delivered over SMTP, then every view of it is asked for over HTTP — the message JSON,
 * headers, raw source, each part and its thumbnail, the HTML and text views, extraction,
 * the link check, list, search and export — and the server must answer each below 500
 * and still answer after.
 */
let box: TestSandbox;
let smtp: SmtpDialogue;
let base = '';

beforeAll(async () => {
  box = await startTestSandbox();
  base = `http://127.0.0.1:${box.port('http')}`;
  smtp = await SmtpDialogue.open(box.port('smtp'));
});
afterAll(async () => {
  smtp?.close();
  await box?.stop(0);
});

async function deliver(raw: Buffer): Promise<string> {
  const wire = raw.subarray(-2).toString('latin1') === '\r\n' ? raw : Buffer.concat([raw, Buffer.from('\r\n')]);
  const reply = await smtp.send(Buffer.concat([stuffAfterCrlf(wire), Buffer.from('.\r\n')]));
  expect(reply.code, reply.lines.join(' ')).toBe(250);
  return queuedId(reply);
}

interface Answer {
  path: string;
  status: number;
  body: string;
}

async function get(path: string): Promise<Answer> {
  const response = await fetch(base + path);
  return { path, status: response.status, body: await response.text() };
}

/** Every route that reads the message, part by part; the answers, for one assertion. */
async function readEverything(id: string, subject: string): Promise<Answer[]> {
  const m = `/api/v1/message/${encodeURIComponent(id)}`;
  const answers = await Promise.all(
    [m, `${m}/headers`, `${m}/raw`, `${m}/raw?dl=1`, `${m}/extract`, `${m}/releases`, `/view/${id}.html`, `/view/${id}.html?embed=1&remote=0`, `/view/${id}.txt`].map(get),
  );
  const json = answers[0] as Answer;
  const parts = json.status === 200 ? (JSON.parse(json.body) as { Attachments: Array<{ PartID: string }>; Inline: Array<{ PartID: string }> }) : { Attachments: [], Inline: [] };
  const partPaths = [...parts.Attachments, ...parts.Inline].map(({ PartID }) => `${m}/part/${encodeURIComponent(PartID)}`);
  answers.push(...(await Promise.all(partPaths.flatMap((part) => [get(part), get(`${part}/thumb`)]))));
  // The link check asks each link's host; only run it when every link is refused unasked
  // (loopback), so the test never touches the network.
  const extract = answers[4] as Answer;
  const links = extract.status === 200 ? (JSON.parse(extract.body) as { Links: string[] }).Links : [];
  if (links.every((link) => /^https?:\/\/127\.0\.0\.1[:/]/.test(link))) answers.push(await get(`${m}/link-check`));
  const words = encodeURIComponent(subject.replace(/[^\w ]/g, ' ').trim().split(/\s+/)[0] ?? '');
  answers.push(
    ...(await Promise.all(
      ['/api/v1/messages?limit=5', `/api/v1/search?query=${words}`, `/api/v1/search?query=subject:${words}`, '/api/v1/message/latest', '/api/v1/export?format=zip&query=subject:' + words].map(get),
    )),
  );
  return answers;
}

function expectNo5xx(answers: Answer[]): void {
  const failed = answers.filter((a) => a.status >= 500).map((a) => `${a.status} ${a.path}: ${a.body.slice(0, 120)}`);
  expect(failed).toEqual([]);
}

describe('/view/{ID}.html with a malformed percent-escape in a cid: reference', () => {
  it('renders, leaving the reference as written, and still rewrites a good one', async () => {
    const raw = [
      'From: a@red.example',
      'To: b@blue.example',
      'Subject: broken cid',
      'MIME-Version: 1.0',
      'Content-Type: multipart/related; boundary="R"',
      '',
      '--R',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<img id="bad" src="cid:%E0%A4%A"><img id="lone" src=\'cid:100%\'><img id="good" src="cid:logo%40red.example">',
      '--R',
      'Content-Type: image/gif',
      'Content-ID: <logo@red.example>',
      'Content-Transfer-Encoding: base64',
      '',
      'R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==',
      '--R--',
      '',
    ].join('\r\n');
    const id = await deliver(Buffer.from(raw));
    const view = await get(`/view/${id}.html`);
    expect(view.status).toBe(200);
    expect(view.body).toContain('src="cid:%E0%A4%A"');
    expect(view.body).toContain("src='cid:100%'");
    expect(view.body).toMatch(new RegExp(`id="good" src="/api/v1/message/${id}/part/2"`));
  });
});

describe('a part whose Content-Type cannot be read', () => {
  it('is listed and served as the RFC 2045 §5.2 default, text/plain', async () => {
    const raw = ['From: a@red.example', 'Subject: typeless', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: ; name=""', 'Content-Disposition: attachment', '', 'typeless', '--b--', ''];
    const id = await deliver(Buffer.from(raw.join('\r\n')));
    const json = JSON.parse((await get(`/api/v1/message/${id}`)).body) as { Attachments: Array<{ PartID: string; ContentType: unknown }> };
    expect(json.Attachments).toMatchObject([{ PartID: '1', ContentType: 'text/plain' }]);
    const part = await fetch(`${base}/api/v1/message/${id}/part/1`);
    expect(part.status).toBe(200);
    expect(part.headers.get('content-type')).toBe('text/plain; charset=us-ascii');
    expect((await get(`/api/v1/message/${id}/part/1/thumb`)).status).toBe(200);
  });
});

/** Text a hostile sender writes: controls, NUL, 8-bit bytes, broken encodings and escapes. */
const nasty = fc.oneof(
  fc.constantFrom(
    '\0', '\x01', '\x1b', '\x7f', '\x80', '\xff', '\r', '\n', '\t', '\u202e', '"', '\\', ';', '%', '%E0%A4%A', '%zz', '=?utf-8?b?!!!?=', '=?x?q?=ZZ?=',
    "=?utf-8?q?=E2=80=AE?=", '..', '/', 'cid:', '<', '>', '&#0;', ':', '=', '*', "''", 'é',
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
);
const nastyText = fc.array(nasty, { maxLength: 12 }).map((p) => p.join('').replace(/\r?\n(?![ \t])/g, '\r\n '));
/** A parameter or header value, sometimes huge, sometimes empty. */
const value = fc.oneof({ weight: 5, arbitrary: nastyText }, { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(3000), '\u00e9'.repeat(500)) });

const charset = fc.constantFrom('utf-8', 'UTF-8', 'us-ascii', 'iso-8859-1', 'utf-7', 'utf-16', 'utf-32le', 'iso-2022-jp', 'x-no-such', '', '"', '\0utf-8', 'utf-8"; x="');
const encoding = fc.constantFrom('7bit', '8bit', 'binary', 'base64', 'quoted-printable', 'BASE64', 'x-uuencode', '', 'base64 junk');
const leafType = fc.constantFrom(
  'text/plain', 'text/html', 'text/calendar', 'text/xml', 'image/png', 'image/gif', 'image/svg+xml', 'application/octet-stream', 'application/pdf',
  'message/rfc822', 'message/delivery-status', 'application/javascript', '', 'garbage', 'text/', '/', 'multipart/mixed',
);
/** Bodies that reach the HTML rewriting, the extractors and the decoders. */
const body = fc.oneof(
  nastyText,
  fc.constantFrom(
    '<img src="cid:%E0%A4%A"><img src=\'cid:%\'><div style="background:url(cid:%ZZ)">x</div>',
    '<a href="http://127.0.0.1:1/%">loop</a> <img src="cid:a@b">',
    '!!!not base64###==\x01==',
    '=ZZ =4 =\t= =C3= <b>=3Cscript=3E</b>=',
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
    'R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==',
    'From: inner@x\r\nContent-Type: multipart/mixed; boundary="in"\r\n\r\n--in\r\nContent-Type: text/html\r\n\r\n<img src="cid:%">\r\n',
    '',
  ),
);

interface Leaf {
  kind: 'leaf';
  type: string;
  charset: string;
  encoding: string;
  fileName: string;
  rfc2231: boolean;
  disposition: string;
  cid: string;
  body: string;
}
interface Multi {
  kind: 'multi';
  subtype: string;
  boundary: string;
  /** The boundary the parts are actually written with (usually the declared one). */
  written: string;
  closed: boolean;
  children: Tree[];
}
type Tree = Leaf | Multi;

const leaf: fc.Arbitrary<Leaf> = fc.record({
  kind: fc.constant('leaf' as const),
  type: leafType,
  charset,
  encoding,
  fileName: value,
  rfc2231: fc.boolean(),
  disposition: fc.constantFrom('attachment', 'inline', '', 'garbage'),
  cid: fc.oneof(fc.constant(''), fc.constantFrom('a@b', '%E0%A4%A', '%', 'a@b>', '<<>>'), nastyText),
  body,
});
const { tree } = fc.letrec<{ tree: Tree; multi: Multi }>((self) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, self('multi')),
  multi: fc.record({
    kind: fc.constant('multi' as const),
    subtype: fc.constantFrom('mixed', 'related', 'alternative', 'signed', 'digest', 'x-odd', ''),
    boundary: fc.constantFrom('b1', 'b2', '', '"', 'x'.repeat(100), '--', 'b1 ; junk'),
    written: fc.constantFrom('b1', 'b2', 'b3'),
    closed: fc.boolean(),
    children: fc.array(self('tree'), { maxLength: 4 }),
  }),
}));

/** Writes a tree the way broken software does: unquoted names, raw 8-bit, lines as given. */
function entity(node: Tree): string[] {
  if (node.kind === 'multi') {
    const lines = [`Content-Type: multipart/${node.subtype}; boundary="${node.boundary}"`, ''];
    const delimiter = node.boundary === 'b1' || node.boundary === 'b2' ? node.written : node.boundary;
    for (const child of node.children) lines.push(`--${delimiter}`, ...entity(child));
    if (node.closed) lines.push(`--${delimiter}--`);
    return lines;
  }
  const name = node.rfc2231 ? `filename*=${node.charset}''${encodeURIComponent(node.fileName).slice(0, 4000)}` : `filename="${node.fileName}"`;
  const lines = [`Content-Type: ${node.type}; charset=${node.charset}; name="${node.fileName}"`, `Content-Transfer-Encoding: ${node.encoding}`];
  if (node.disposition) lines.push(`Content-Disposition: ${node.disposition}; ${name}`);
  if (node.cid) lines.push(`Content-ID: <${node.cid}>`);
  return [...lines, '', node.body];
}

const message = fc.record({ subject: value, from: value, extra: fc.array(fc.tuple(fc.constantFrom('X-Odd', 'Reply-To', 'Cc', 'Date', 'Message-ID', 'MIME-Version', 'X\0Nul', 'Subject'), value), { maxLength: 4 }), tree });

describe('any message, every route', () => {
  test.prop([message], { numRuns: 30 })('no route answers 5xx, and the server keeps answering', async ({ subject, from, extra, tree: root }) => {
    const head = [`Subject: ${subject}`, `From: ${from} <a@red.example>`, 'To: b@blue.example', 'MIME-Version: 1.0', ...extra.map(([name, v]) => `${name}: ${v}`)];
    const raw = Buffer.from([...head, ...entity(root)].join('\r\n'), 'latin1');
    const id = await deliver(raw);
    expectNo5xx(await readEverything(id, subject));
    expect((await get('/livez')).body).toBe('ok');
  });
});
