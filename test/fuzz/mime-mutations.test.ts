import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { bodySection } from '../../server/imap/body-section.js';
import { bodyStructure } from '../../server/imap/bodystructure.js';
import { outputBytes } from '../../server/imap/encode.js';
import { envelope } from '../../server/imap/envelope.js';
import { parseAddressEntries } from '../../server/mime/address-list.js';
import { htmlToText, simpleBodyText } from '../../server/mime/body-text.js';
import { decodeQuotedPrintable } from '../../server/mime/transfer-encoding.js';
import { buildMimeTree, findPart, type MimeNode } from '../../server/mime/mime-tree.js';
import { parseRaw } from '../../server/mime/parse.js';
import { parseAddressList, summarizeHeaders } from '../../server/mime/summary.js';
import { fixtures } from '../fixtures/mime/messages.js';

/**
 * test/mime/mime-tree.property.test.ts grows messages from a grammar; this file starts
 * from the real messages of the fixtures and damages them the way transport and bad
 * software do — flipped, dropped, duplicated and inserted bytes, boundaries and header
 * lines spliced in elsewhere, truncation — then runs every reader the fronts use.
 */
const real = Object.values(fixtures);
const splice = fc.constantFrom(
  '\r\n--', '--\r\n', '\r\n\r\n', '\n', '\r', '\0', '\xff\xfe', '=?utf-8?b?', '=?x?q?=', '"', '\\', ';', 'boundary=', 'charset=', '*0*=', "''",
  'Content-Type: multipart/mixed; boundary="b"\r\n', 'Content-Type: message/rfc822\r\n', 'Content-Transfer-Encoding: base64\r\n', '\r\n--b\r\n', '\r\n--b--\r\n', '<', '>', ',', ':',
);
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: splice }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(raw: Buffer, m: Mutation): Buffer {
  const at = raw.length === 0 ? 0 : m.at % raw.length;
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(raw);
      if (out.length > 0) out[at] = m.byte;
      return out;
    }
    case 'drop':
      return Buffer.concat([raw.subarray(0, at), raw.subarray(at + m.length)]);
    case 'dup':
      return Buffer.concat([raw.subarray(0, at + m.length), raw.subarray(at)]);
    case 'insert':
      return Buffer.concat([raw.subarray(0, at), Buffer.from(m.text, 'latin1'), raw.subarray(at)]);
    case 'truncate':
      return raw.subarray(0, at);
  }
}

const damaged = fc.tuple(fc.constantFrom(...real), fc.array(mutation, { minLength: 1, maxLength: 8 })).map(([raw, ms]) => ms.reduce(mutate, raw));

function* nodes(node: MimeNode): Generator<MimeNode> {
  yield node;
  for (const child of node.children) yield* nodes(child);
  if (node.message) yield* nodes(node.message);
}

describe('damaged real messages', () => {
  test.prop([damaged, fc.boolean()], { numRuns: 400 })('the MIME tree covers the message, and IMAP renders every part of it', (raw, utf8) => {
    const tree = buildMimeTree(raw);
    expect(tree.root.bodyEnd).toBe(raw.length);
    expect(Buffer.concat([bodySection(raw, tree, { part: [], kind: 'HEADER' }), bodySection(raw, tree, { part: [], kind: 'TEXT' })]).equals(raw)).toBe(true);
    outputBytes(bodyStructure(tree, true, { utf8 }));
    for (const node of nodes(tree.root)) {
      expect(node.headerStart).toBeGreaterThanOrEqual(0);
      expect(node.bodyEnd).toBeLessThanOrEqual(raw.length);
      outputBytes(envelope(node.header, { utf8 }));
      if (node.part.length > 0) expect(findPart(tree, [...node.part])).toBeDefined();
    }
  });

  test.prop([damaged], { numRuns: 400 })('the delivery summary and the plain-text fast path never throw', (raw) => {
    const summary = summarizeHeaders(raw, { mailFrom: 'a@red.com', rcptTo: ['b@blue.com'] });
    expect(typeof summary).toBe('object');
    const simple = simpleBodyText(raw);
    if (simple) expect(typeof simple.text).toBe('string');
    decodeQuotedPrintable(raw);
    htmlToText(raw.toString('utf8'));
  });

  test.prop([damaged], { numRuns: 150 })('the mailparser adapter (the JSON message, /view) resolves on any of them', async (raw) => {
    const parsed = await parseRaw(raw);
    expect(typeof parsed.text).toBe('string');
  });

  const addressPiece = fc.oneof(
    fc.constantFrom('a@b', '"', '\\', '<', '>', '(', ')', ',', ';', ':', '@', '.', ' ', 'group:', '=?utf-8?q?=C3=A9?=', '"x, y"', '<@r1,@r2:a@b>', '\0', '\xff', 'undisclosed-recipients:;', '(comment (nested) \\)'),
    fc.string({ maxLength: 6 }),
  );
  test.prop([fc.array(addressPiece, { maxLength: 30 }).map((p) => p.join(''))], { numRuns: 2000 })('address-parser torture: every address list parses to a list', (value) => {
    expect(Array.isArray(parseAddressEntries(value))).toBe(true);
    expect(Array.isArray(parseAddressList(value))).toBe(true);
  });
});
