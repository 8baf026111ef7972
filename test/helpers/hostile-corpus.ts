/**
 * Hostile messages, built at test time (nothing large is checked in). Each is CRLF
 * text, as an SMTP client would send it, and starts with `X-Corpus: <name>` so a
 * reader can tell which one it holds.
 */
export interface CorpusMessage {
  name: string;
  raw: Buffer;
}

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';
const head = (name: string, extra: string[] = []) => [`X-Corpus: ${name}`, 'From: Hostile <hostile@red.example>', 'To: victim@blue.example', `Subject: ${name}`, 'MIME-Version: 1.0', ...extra];

/** Multiparts nested `depth` deep (far past any parser's depth cap). */
function deepNesting(depth: number): Buffer {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    open.push(`Content-Type: multipart/mixed; boundary="d${i}"`, '', `--d${i}`);
    close.unshift(`--d${i}--`);
  }
  return Buffer.from(crlf([...head('deep-nesting'), ...open.slice(0), 'Content-Type: text/plain', '', 'the bottom', ...close]), 'latin1');
}

function manyParts(count: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push('--m', `Content-Type: text/plain; name="p${i}.txt"`, 'Content-Disposition: attachment', '', `part ${i}`);
  return Buffer.from(crlf([...head('ten-thousand-parts', ['Content-Type: multipart/mixed; boundary="m"']), '', ...parts, '--m--']), 'latin1');
}

/** One base64 line of `bytes` octets, with no line breaks at all (RFC 2045 §6.8 asks ≤ 76). */
function longBase64Line(bytes: number): Buffer {
  const payload = Buffer.alloc(Math.ceil((bytes * 3) / 4), 0x5a).toString('base64').slice(0, bytes);
  return Buffer.concat([
    Buffer.from(crlf([...head('base64-20mb-line', ['Content-Type: multipart/mixed; boundary="L"']), '', '--L', 'Content-Type: application/octet-stream; name="big.bin"', 'Content-Transfer-Encoding: base64', '']), 'latin1'),
    Buffer.from(payload, 'latin1'),
    Buffer.from('\r\n--L--\r\n'),
  ]);
}

function headerFlood(count: number): Buffer {
  const lines = head('header-flood');
  for (let i = 0; i < count; i++) lines.push(`X-Flood-${i}: ${i}`);
  return Buffer.from(crlf([...lines, '', 'body after the flood']), 'latin1');
}

const brokenEncodings = crlf([
  ...head('broken-encodings', ['Content-Type: multipart/mixed; boundary="e"']),
  '',
  '--e',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: base64',
  '',
  '!!!not base64 at all###==\x01==',
  '--e',
  'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '=ZZ =4 =\t= =C3= =E2=82 <b>=3Cscript=3E</b>=',
  '--e',
  'Content-Type: text/plain',
  'Content-Transfer-Encoding: x-uuencode-nonsense',
  '',
  'begin 644 nothing',
  '--e',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 7bit',
  '',
  'Subject-like =?utf-8?b?!!!?= =?utf-8?q?=ZZ?= =?unknown?x?y?= =?utf-8??=',
  '--e--',
]);

const badCharsets = Buffer.concat([
  Buffer.from(
    crlf([
      ...head('bad-charsets', ['Content-Type: multipart/alternative; boundary="c"']),
      '',
      '--c',
      'Content-Type: text/plain; charset="x-no-such-charset"',
      '',
      'caf\xe9 in latin1, labelled nothing known',
      '--c',
      'Content-Type: text/plain; charset=utf-7',
      '',
      '+ZeVnLIqe- +AGEAYgBj-',
      '--c',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>invalid utf-8: \xc3\x28 \xa0\xa1 \xe2\x28\xa1 \xf0\x28\x8c\xbc \xed\xa0\x80</p>',
      '--c',
      "Content-Type: text/plain; charset*=''; name*=utf-8''%ZZ%",
      '',
      'rfc 2231 nonsense',
      '--c--',
    ]),
    'latin1',
  ),
]);

const nulAndEightBit = Buffer.from(
  crlf([
    'X-Corpus: nul-and-8bit-headers',
    'From: \x00nul\x00 <nul@red.example>',
    'To: "J\xfcrgen \xff" <j@blue.example>',
    'Subject: \x00\x01\x02\x7f\x80\xff caf\xc3\xa9 \xe9',
    'X-Binary: \x00'.repeat(20),
    'Content-Type: text/plain; charset=\x00utf-8',
    'Content\x00-Type: nonsense',
    '\xff\xfe: bad name',
    '',
    'body \x00 with \x00 NULs \xff\xfe and 8-bit',
  ]),
  'latin1',
);

const truncatedMultiparts = crlf([
  ...head('truncated-multiparts', ['Content-Type: multipart/mixed; boundary="t"']),
  '',
  '--t',
  'Content-Type: multipart/alternative; boundary="u"',
  '',
  '--u',
  'Content-Type: text/plain',
  '',
  'inner text, never closed',
  '--u',
  'Content-Type: message/rfc822',
  '',
  'From: x@y',
  'Content-Type: multipart/mixed; boundary="v"',
  '',
  '--v',
  'Content-Type: text/html',
  'Content-Transfer-Encoding: base64',
  '',
  'PGh0bWw+PGJvZHk+dHJ1bmNhdGVk',
]);

const addressTorture = crlf([
  'X-Corpus: address-torture',
  'From: "a\\"b" <a@b>, (comment (nested (deep))) c@d, <@route1,@route2:e@f>, "unclosed <g@h>',
  'To: undisclosed-recipients:;, group: a@b, "x, y" <c@d>;, <>, @, <<<>>>, "" <""@"">, a@b@c, ' + 'x@y,'.repeat(2000),
  'Cc: =?utf-8?q?=C3=A9?= <e@f>, =?utf-8?b?!!!?= <g@h>, =?utf-8?q?a=2C_b?= <i@j>, \\"escaped <k@l>',
  'Bcc: ' + '('.repeat(5000) + 'deep' + ')'.repeat(5000) + ' <m@n>',
  'Reply-To: ' + '"'.repeat(3001),
  'Sender: ' + 'a'.repeat(60_000) + '@example',
  'Subject: address torture',
  'Date: Thu, 31 Feb 99999 25:61:61 +9999',
  'Message-ID: <<<>>>',
  '',
  'body',
]);

/** The whole corpus. The big ones cost tens of megabytes of memory, once. */
export function hostileCorpus(): CorpusMessage[] {
  return [
    { name: 'deep-nesting', raw: deepNesting(2000) },
    { name: 'ten-thousand-parts', raw: manyParts(10_000) },
    { name: 'base64-20mb-line', raw: longBase64Line(20 * 1024 * 1024) },
    { name: 'header-flood', raw: headerFlood(100_000) },
    { name: 'broken-encodings', raw: Buffer.from(brokenEncodings, 'latin1') },
    { name: 'bad-charsets', raw: badCharsets },
    { name: 'nul-and-8bit-headers', raw: nulAndEightBit },
    { name: 'truncated-multiparts', raw: Buffer.from(truncatedMultiparts, 'latin1') },
    { name: 'address-torture', raw: Buffer.from(addressTorture, 'latin1') },
  ];
}
