import { describe, expect, it } from 'vitest';
import { outputBytes } from '../../server/imap/encode.js';
import { envelope } from '../../server/imap/envelope.js';
import { readHeaderBlock } from '../../server/mime/header-block.js';
import { buildMimeTree } from '../../server/mime/mime-tree.js';
import { fixtures, latin1Headers, type FixtureName } from '../fixtures/mime/messages.js';

const headerOf = (raw: Buffer) => readHeaderBlock(raw, 0, raw.length).fields;
const render = (raw: Buffer | string, utf8 = false): string =>
  outputBytes(envelope(headerOf(Buffer.from(raw)), { utf8 })).toString('utf8');

/**
 * Expected ENVELOPE per fixture, checked by hand against RFC 3501 §7.4.2 and a
 * reference server's answers for the same bytes (which sends the addressForms
 * subject as a literal where a quoted string with escapes is equally valid).
 */
const expected: Record<Exclude<FixtureName, 'latin1Headers'>, string> = {
  simple: "(\"Mon, 7 Feb 1994 21:52:25 -0800 (PST)\" \"afternoon meeting\" ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) ((NIL NIL \"mooch\" \"owatagu.siam.edu.example\")) NIL NIL NIL \"<B27397-0100000@Blurdybloop.example>\")",
  alternative: "(\"Tue, 02 Jan 2024 10:00:00 +0000\" \"=?UTF-8?Q?Caf=C3=A9?= menu\" ((\"Alice Q. Example\" NIL \"alice\" \"red.example\")) ((\"Alice Q. Example\" NIL \"alice\" \"red.example\")) ((\"Alice Q. Example\" NIL \"alice\" \"red.example\")) ((\"Bob\" NIL \"bob\" \"blue.example\")(NIL NIL \"carol\" \"blue.example\")) ((\"Dave, Jr.\" NIL \"dave\" \"blue.example\")) NIL NIL \"<alt-1@red.example>\")",
  mixedAttachment: "(NIL \"report\" ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"bob\" \"blue.example\")) NIL NIL NIL NIL)",
  relatedInAlternative: "(NIL \"newsletter\" ((NIL NIL \"news\" \"red.example\")) ((NIL NIL \"news\" \"red.example\")) ((NIL NIL \"news\" \"red.example\")) ((NIL NIL \"bob\" \"blue.example\")) NIL NIL NIL NIL)",
  rfc822Attachment: "(NIL \"Fwd: lunch\" ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"bob\" \"blue.example\")) NIL NIL NIL NIL)",
  noContentType: "(NIL \"old style\" ((NIL NIL \"legacy\" \"red.example\")) ((NIL NIL \"legacy\" \"red.example\")) ((NIL NIL \"legacy\" \"red.example\")) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL)",
  utf8Headers: "(NIL {17}\r\nGrüße aus Köln (({13}\r\nJürgen Groß NIL \"juergen\" \"red.example\")) (({13}\r\nJürgen Groß NIL \"juergen\" \"red.example\")) (({13}\r\nJürgen Groß NIL \"juergen\" \"red.example\")) (({4}\r\nZoë NIL \"zoe\" \"blue.example\")) NIL NIL NIL NIL)",
  bareLf: "(NIL \"bare LF\" ((NIL NIL \"unix\" \"red.example\")) ((NIL NIL \"unix\" \"red.example\")) ((NIL NIL \"unix\" \"red.example\")) ((NIL NIL \"bob\" \"blue.example\")) NIL NIL NIL NIL)",
  missingBoundary: "(NIL \"no boundary\" ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) NIL NIL NIL NIL NIL)",
  truncatedMultipart: "(NIL \"cut short\" ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) NIL NIL NIL NIL NIL)",
  addressForms: "(\"Thu, 04 Jan 2024 08:30:00 -0500\" \"\\\"quoted\\\" \\\\ subject\" ((\"Smith, John\" NIL \"john\" \"red.example\")) ((NIL NIL \"secretary\" \"red.example\")) ((NIL NIL \"Team\" NIL)(NIL NIL \"ann\" \"red.example\")(\"Bo\" NIL \"bo\" \"red.example\")(NIL NIL NIL NIL)(NIL \"@relay.example,@hop.example\" \"route\" \"red.example\")) ((NIL NIL \"localonly\" \"MISSING_DOMAIN\")(\"Ann\" NIL \"ann\" \"red.example\")) ((NIL NIL \"empty-group\" NIL)(NIL NIL NIL NIL)) ((\"Hidden Person\" NIL \"hidden\" \"blue.example\")) \"<prev@red.example>\" \"<forms@red.example>\")",
  rfc822Single: "(NIL \"Fwd: note\" ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) NIL NIL NIL NIL NIL)",
  digest: "(NIL \"digest\" ((NIL NIL \"list\" \"red.example\")) ((NIL NIL \"list\" \"red.example\")) ((NIL NIL \"list\" \"red.example\")) NIL NIL NIL NIL NIL)",
  oddHeaders: "(NIL \"\" ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) NIL NIL NIL NIL NIL)",
  rfc2231Language: "(NIL \"languages\" ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) NIL NIL NIL NIL NIL)",
  base64Rfc822: "(NIL \"encoded message\" ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) NIL NIL NIL NIL NIL)",
  headerOnly: "(NIL \"header only\" ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) ((NIL NIL \"alice\" \"red.example\")) NIL NIL NIL NIL NIL)",
  noHeader: "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
};

describe('ENVELOPE for the fixture set', () => {
  for (const [name, want] of Object.entries(expected)) {
    it(name, () => expect(render(fixtures[name as FixtureName])).toBe(want));
  }
});

describe('ENVELOPE rules', () => {
  it("matches RFC 3501's example", () => {
    const raw = [
      'Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
      'From: Terry Gray <gray@cac.washington.edu>',
      'Subject: IMAP4rev1 WG mtg summary and minutes',
      'To: imap@cac.washington.edu',
      'cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>',
      'Message-Id: <B27397-0100000@cac.washington.edu>',
      'MIME-Version: 1.0',
      'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
      '',
      '',
    ].join('\r\n');
    expect(render(raw)).toBe(
      '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ' +
        '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL ' +
        '"<B27397-0100000@cac.washington.edu>")',
    );
  });

  it('is all NIL without header fields', () => {
    expect(render('\r\nbody')).toBe('(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
  });

  it('takes the first of repeated fields, unfolds folded ones, and keeps encoded-words', () => {
    const raw = 'Subject: =?utf-8?q?one?=\r\n  two\r\nSubject: ignored\r\nFrom: a@b.example\r\n\r\n';
    expect(render(raw)).toBe(
      '(NIL "=?utf-8?q?one?=  two" ((NIL NIL "a" "b.example")) ((NIL NIL "a" "b.example")) ((NIL NIL "a" "b.example")) NIL NIL NIL NIL NIL)',
    );
  });

  it('keeps Sender and Reply-To when given, and NIL for an empty address list', () => {
    const raw = 'From: a@x.example\r\nSender: s@x.example\r\nReply-To: r@x.example\r\nTo: \r\nCc: ,\r\n\r\n';
    expect(render(raw)).toBe(
      '(NIL NIL ((NIL NIL "a" "x.example")) ((NIL NIL "s" "x.example")) ((NIL NIL "r" "x.example")) NIL NIL NIL NIL NIL)',
    );
  });

  it('reads quoted local parts, domain literals and comments-as-names', () => {
    const raw = 'To: "john smith"@x.example, ann@[192.0.2.1], bob@x.example (Bob B), "Q" <q@x.example> (not a name)\r\n\r\n';
    expect(render(raw)).toContain(
      '((NIL NIL "\\"john smith\\"" "x.example")(NIL NIL "ann" "[192.0.2.1]")("Bob B" NIL "bob" "x.example")("Q" NIL "q" "x.example"))',
    );
  });

  it('sends UTF-8 header text quoted under UTF8=ACCEPT', () => {
    const want =
      '(NIL "Grüße aus Köln" (("Jürgen Groß" NIL "juergen" "red.example")) (("Jürgen Groß" NIL "juergen" "red.example")) ' +
      '(("Jürgen Groß" NIL "juergen" "red.example")) (("Zoë" NIL "zoe" "blue.example")) NIL NIL NIL NIL)';
    expect(render(fixtures.utf8Headers, true)).toBe(want);
  });

  it('sends Latin-1 header bytes exactly, as literals', () => {
    const out = outputBytes(envelope(buildMimeTree(latin1Headers).root.header, { utf8: true }));
    const name = Buffer.concat([Buffer.from('{4}\r\nRen'), Buffer.from([0xe9])]);
    const from = Buffer.concat([Buffer.from('(('), name, Buffer.from(' NIL "rene" "red.example"))')]);
    const want = Buffer.concat([
      Buffer.from('(NIL {4}\r\ncaf'),
      Buffer.from([0xe9]),
      Buffer.from(' '),
      from,
      Buffer.from(' '),
      from,
      Buffer.from(' '),
      from,
      Buffer.from(' NIL NIL NIL NIL NIL)'),
    ]);
    expect(out.equals(want)).toBe(true);
  });

  it('survives hostile address lists', () => {
    for (const value of ['<<<>>>', '(((', '"unterminated', ':::;;;', '@@@', 'a@b@c', '\\', ',,,', 'g: (c) ;', '<@a,@b:>', '[x']) {
      const out = render(`From: ${value}\r\n\r\n`);
      expect(out.startsWith('(NIL NIL ')).toBe(true);
      expect(out.split('(').length).toBe(out.split(')').length);
    }
  });
});
