import { describe, expect, it } from 'vitest';
import { bodyStructure } from '../../server/imap/bodystructure.js';
import { outputBytes } from '../../server/imap/encode.js';
import { buildMimeTree } from '../../server/mime/mime-tree.js';
import { fixtures, latin1Headers, utf8Headers, type FixtureName } from '../fixtures/mime/messages.js';

const render = (raw: Buffer, extensible: boolean, utf8 = false): string =>
  outputBytes(bodyStructure(buildMimeTree(raw), extensible, { utf8 })).toString('utf8');

/**
 * Expected BODY / BODYSTRUCTURE per fixture, checked by hand against RFC 3501 §7.4.2
 * and against a reference server's answers for the same bytes. Known, deliberate
 * differences from that server: type/subtype/parameter case is kept as written
 * (as in RFC 3501's own examples); RFC 2231 parameters keep their order of
 * appearance; a bare-LF message's sizes count its stored octets (BODY[n] returns
 * exactly that many); an unparsable Content-Type means text/plain (RFC 2045 §5.2).
 */
const expected: Record<Exclude<FixtureName, 'latin1Headers'>, { body: string; bodystructure: string }> = {
  simple: {
    body: "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7bit\" 55 1)",
    bodystructure: "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7bit\" 55 1 NIL NIL NIL NIL)",
  },
  alternative: {
    body: "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 33 1)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 24 0) \"alternative\")",
    bodystructure: "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 33 1 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 24 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"==alt==\") NIL NIL NIL)",
  },
  mixedAttachment: {
    body: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 15 1)(\"application\" \"pdf\" (\"name*\" \"utf-8''%E2%82%AC%20rates2024.pdf\") \"<rates@red.example>\" \"Euro rates\" \"base64\" 12) \"mixed\")",
    bodystructure: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 15 1 NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name*\" \"utf-8''%E2%82%AC%20rates2024.pdf\") \"<rates@red.example>\" \"Euro rates\" \"base64\" 12 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" (\"filename*\" \"utf-8''%E2%82%AC%20rates2024.pdf\" \"size\" \"12\")) (\"en\" \"fr\") \"http://red.example/rates.pdf\") \"mixed\" (\"boundary\" \"mixed-b\") NIL NIL NIL)",
  },
  relatedInAlternative: {
    body: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0)((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 32 0)(\"image\" \"png\" NIL \"<logo@red.example>\" NIL \"base64\" 12) \"related\") \"alternative\")",
    bodystructure: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0 NIL NIL NIL NIL)((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 32 0 NIL NIL NIL NIL)(\"image\" \"png\" NIL \"<logo@red.example>\" NIL \"base64\" 12 NIL (\"inline\" (\"filename\" \"logo.png\")) NIL NIL) \"related\" (\"boundary\" \"inner\" \"type\" \"text/html\") NIL NIL NIL) \"alternative\" (\"boundary\" \"outer\") NIL NIL NIL)",
  },
  rfc822Attachment: {
    body: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 16 0)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 315 (\"Wed, 03 Jan 2024 12:00:00 +0100\" \"lunch\" ((\"Carol\" NIL \"carol\" \"blue.example\")) ((\"Carol\" NIL \"carol\" \"blue.example\")) ((\"Carol\" NIL \"carol\" \"blue.example\")) ((NIL NIL \"alice\" \"red.example\")) NIL NIL NIL \"<lunch@blue.example>\") ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0) \"alternative\") 17) \"mixed\")",
    bodystructure: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 16 0 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 315 (\"Wed, 03 Jan 2024 12:00:00 +0100\" \"lunch\" ((\"Carol\" NIL \"carol\" \"blue.example\")) ((\"Carol\" NIL \"carol\" \"blue.example\")) ((\"Carol\" NIL \"carol\" \"blue.example\")) ((NIL NIL \"alice\" \"red.example\")) NIL NIL NIL \"<lunch@blue.example>\") ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"in\") NIL NIL NIL) 17 NIL (\"attachment\" (\"filename\" \"lunch.eml\")) NIL NIL) \"mixed\" (\"boundary\" \"fwd\") NIL NIL NIL)",
  },
  noContentType: {
    body: "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 29 2)",
    bodystructure: "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 29 2 NIL NIL NIL NIL)",
  },
  utf8Headers: {
    body: "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 31 1)",
    bodystructure: "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 31 1 NIL NIL NIL NIL)",
  },
  bareLf: {
    body: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1)(\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"7bit\" 5 0) \"mixed\")",
    bodystructure: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"iso-8859-1\") NIL NIL \"7bit\" 5 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"lfb\") NIL NIL NIL)",
  },
  missingBoundary: {
    body: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")",
    bodystructure: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL)",
  },
  truncatedMultipart: {
    body: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 25 0) \"mixed\")",
    bodystructure: "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 25 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"cut\") NIL NIL NIL)",
  },
  addressForms: {
    body: "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1)",
    bodystructure: "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1 NIL NIL NIL NIL)",
  },
  rfc822Single: {
    body: "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 56 (NIL \"note\" ((NIL NIL \"carol\" \"blue.example\")) ((NIL NIL \"carol\" \"blue.example\")) ((NIL NIL \"carol\" \"blue.example\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0) 3) \"mixed\")",
    bodystructure: "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 56 (NIL \"note\" ((NIL NIL \"carol\" \"blue.example\")) ((NIL NIL \"carol\" \"blue.example\")) ((NIL NIL \"carol\" \"blue.example\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"s\") NIL NIL NIL)",
  },
  digest: {
    body: "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 45 (NIL \"first\" ((NIL NIL \"one\" \"red.example\")) ((NIL NIL \"one\" \"red.example\")) ((NIL NIL \"one\" \"red.example\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0) 3)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 46 (NIL \"second\" ((NIL NIL \"two\" \"red.example\")) ((NIL NIL \"two\" \"red.example\")) ((NIL NIL \"two\" \"red.example\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0) 3) \"digest\")",
    bodystructure: "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 45 (NIL \"first\" ((NIL NIL \"one\" \"red.example\")) ((NIL NIL \"one\" \"red.example\")) ((NIL NIL \"one\" \"red.example\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 46 (NIL \"second\" ((NIL NIL \"two\" \"red.example\")) ((NIL NIL \"two\" \"red.example\")) ((NIL NIL \"two\" \"red.example\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) \"digest\" (\"boundary\" \"d\") NIL NIL NIL)",
  },
  oddHeaders: {
    body: "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0)",
    bodystructure: "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL)",
  },
  rfc2231Language: {
    body: "((\"application\" \"octet-stream\" (\"name*\" \"iso-8859-1'fr'caf%E9.txt\") NIL NIL \"7bit\" 4) \"mixed\")",
    bodystructure: "((\"application\" \"octet-stream\" (\"name*\" \"iso-8859-1'fr'caf%E9.txt\") NIL NIL \"7bit\" 4 NIL (\"attachment\" (\"filename*\" \"us-ascii'en'a%20b%20c%25d.txt\")) NIL NIL) \"mixed\" (\"boundary\" \"l\") NIL NIL NIL)",
  },
  base64Rfc822: {
    body: "(\"message\" \"rfc822\" NIL NIL NIL \"base64\" 34 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) 1)",
    bodystructure: "(\"message\" \"rfc822\" NIL NIL NIL \"base64\" 34 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) 1 NIL NIL NIL NIL)",
  },
  headerOnly: {
    body: "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)",
    bodystructure: "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL)",
  },
  noHeader: {
    body: "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1)",
    bodystructure: "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1 NIL NIL NIL NIL)",
  },
};

describe('BODY and BODYSTRUCTURE for the fixture set', () => {
  for (const [name, want] of Object.entries(expected)) {
    it(name, () => {
      const raw = fixtures[name as FixtureName];
      expect(render(raw, false)).toBe(want.body);
      expect(render(raw, true)).toBe(want.bodystructure);
    });
  }
});

describe('RFC 3501 §7.4.2 examples', () => {
  const lines = (count: number, widths: (i: number) => number, char: string): string =>
    Array.from({ length: count }, (_v, i) => char.repeat(widths(i)) + '\r\n').join('');

  it('reproduces the single-part BODY example', () => {
    // 92 lines, 3028 octets: 84 lines of 31 characters and 8 of 30, each with CRLF.
    const text = lines(92, (i) => (i < 84 ? 31 : 30), 'x');
    expect(Buffer.byteLength(text)).toBe(3028);
    const raw = Buffer.from(`Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\nContent-Transfer-Encoding: 7BIT\r\n\r\n${text}`);
    expect(render(raw, false)).toBe('("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92)');
  });

  it('reproduces the multipart BODY example', () => {
    const first = lines(23, (i) => (i < 2 ? 49 : 48), 'a');
    const second = lines(73, (i) => (i < 28 ? 61 : 60), 'A');
    const raw = Buffer.from(
      [
        'Content-Type: MULTIPART/MIXED; BOUNDARY="b"',
        '',
        '--b',
        'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
        'Content-Transfer-Encoding: 7BIT',
        '',
        first,
        '--b',
        'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff',
        'Content-ID: <960723163407.20117h@cac.washington.edu>',
        'Content-Description: Compiler diff',
        'Content-Transfer-Encoding: BASE64',
        '',
        second,
        '--b--',
        '',
      ].join('\r\n'),
    );
    expect(render(raw, false)).toBe(
      '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)' +
        '("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") "<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED")',
    );
  });
});

describe('8-bit header text', () => {
  it('sends UTF-8 as literals to IMAP4rev1 clients and quoted under UTF8=ACCEPT', () => {
    const raw = Buffer.from(
      'Content-Type: application/pdf; name="Grüße.pdf"\r\nContent-Description: Übersicht\r\n\r\nx',
    );
    expect(render(raw, false)).toBe('("application" "pdf" ("name" {11}\r\nGrüße.pdf) NIL {10}\r\nÜbersicht "7bit" 1)');
    expect(render(raw, false, true)).toBe('("application" "pdf" ("name" "Grüße.pdf") NIL "Übersicht" "7bit" 1)');
    expect(render(utf8Headers, true, true)).toBe(expected.utf8Headers.bodystructure);
  });

  it('keeps Latin-1 parameter bytes exact, even in UTF-8 mode', () => {
    const raw = Buffer.concat([Buffer.from('Content-Type: text/plain; name="caf', 'latin1'), Buffer.from([0xe9]), Buffer.from('.txt"\r\n\r\nx')]);
    const out = outputBytes(bodyStructure(buildMimeTree(raw), false, { utf8: true }));
    expect(out.equals(Buffer.concat([Buffer.from('("text" "plain" ("charset" "us-ascii" "name" {8}\r\ncaf'), Buffer.from([0xe9]), Buffer.from('.txt) NIL NIL "7bit" 1 0)')]))).toBe(true);
    // The Latin-1 fixture's body structure is plain ASCII.
    expect(render(latin1Headers, true)).toBe('("text" "plain" ("charset" "iso-8859-1") NIL NIL "8bit" 9 1 NIL NIL NIL NIL)');
  });
});

describe('extension data', () => {
  it('sends disposition, language and location for single parts and multiparts', () => {
    const single = Buffer.from('Content-Type: text/plain\r\nContent-Language: en\r\nContent-Disposition: inline\r\n\r\nx\r\n');
    expect(render(single, true)).toBe('("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 1 NIL ("inline" NIL) ("en") NIL)');
    const multi = Buffer.from(
      'Content-Type: multipart/mixed; boundary=q\r\nContent-Disposition: inline\r\nContent-Language: de\r\nContent-Location: loc\r\n\r\n--q\r\n\r\nA\r\n--q--\r\n',
    );
    expect(render(multi, true)).toBe('(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL) "mixed" ("boundary" "q") ("inline" NIL) ("de") "loc")');
    expect(render(multi, false)).toBe('(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0) "mixed")');
  });
});

describe('caps', () => {
  it('reports nesting beyond the depth cap as an empty multipart, with balanced parentheses', () => {
    const depth = 80;
    let raw = 'Content-Type: text/plain\r\n\r\ndeep\r\n';
    for (let i = depth; i > 0; i--) raw = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${raw}--b${i}--\r\n`;
    const tree = buildMimeTree(Buffer.from(raw));
    // Entities at depths 0..64 are parsed; the one at depth 64 (b65) is kept opaque.
    expect(tree.partCount).toBe(65);
    const out = render(Buffer.from(raw), true);
    expect(out.split('(').length).toBe(out.split(')').length);
    expect(out).toContain('("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "b65")');
  });

  it('stops making parts at the part cap', () => {
    const parts = Array.from({ length: 10_050 }, (_v, i) => `--p\r\n\r\n${i}\r\n`).join('');
    const raw = Buffer.from(`Content-Type: multipart/mixed; boundary=p\r\n\r\n${parts}--p--\r\n`);
    const tree = buildMimeTree(raw);
    expect(tree.partCount).toBe(10_000);
    expect(tree.root.children).toHaveLength(9_999);
    expect(buildMimeTree(raw, { maxParts: 10 }).root.children).toHaveLength(9);
  });
});
