import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodySection } from '../../server/imap/body-section.js';
import { bodyStructure } from '../../server/imap/bodystructure.js';
import { outputBytes } from '../../server/imap/encode.js';
import { envelope } from '../../server/imap/envelope.js';
import { buildMimeTree, findPart, type MimeNode, type MimeTree } from '../../server/mime/mime-tree.js';

/** A MIME-ish entity as lines; rendered with a random line ending and then damaged. */
type Lines = string[];

const headerLine = fc.oneof(
  fc.constantFrom(
    'From: "A, B" <a@x.example>',
    'To: g: c@x.example, <d@x.example>;, e',
    'Subject: =?utf-8?q?caf=C3=A9?=',
    'Subject: Grüße',
    'Content-Transfer-Encoding: base64',
    'Content-Transfer-Encoding: 8bit',
    "Content-Disposition: attachment; filename*0*=utf-8''%E2%82%AC; filename*1=x",
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Type: message/rfc822',
    'Content-Type: multipart/mixed',
    'Content-Language: en (x), de',
    ' folded continuation',
    'not a header line',
    ':',
  ),
  fc.string({ maxLength: 40 }).map((s) => `X-Random: ${s}`),
);
const bodyLine = fc.oneof(fc.constantFrom('', 'text', '--', '--b', '--b--', '--=_q', 'x: y', 'Grüße'), fc.string({ maxLength: 30 }));
const boundary = fc.constantFrom('b', 'b', '=_q', 'b--', 'a b', '');

const entity: fc.Arbitrary<Lines> = fc.letrec<{ entity: Lines }>((tie) => ({
  entity: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.array(headerLine, { maxLength: 5 }), fc.array(bodyLine, { maxLength: 6 })).map(([h, b]) => [...h, '', ...b]),
    fc
      .tuple(fc.array(headerLine, { maxLength: 3 }), boundary, fc.array(tie('entity'), { maxLength: 4 }), fc.array(bodyLine, { maxLength: 2 }), fc.boolean())
      .map(([h, bd, parts, preamble, closed]) => [
        `Content-Type: multipart/mixed; boundary="${bd}"`,
        ...h,
        '',
        ...preamble,
        ...parts.flatMap((p) => [`--${bd}`, ...p]),
        ...(closed ? [`--${bd}--`, 'epilogue'] : []),
      ]),
    fc.tuple(fc.array(headerLine, { maxLength: 3 }), tie('entity')).map(([h, inner]) => ['Content-Type: message/rfc822', ...h, '', ...inner]),
  ),
})).entity;

const message: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
    .tuple(entity, fc.constantFrom('\r\n', '\n', 'mixed'), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 })), { maxLength: 3 }), fc.boolean())
    .map(([lines, eol, cut, inserts, truncate]) => {
      const text = eol === 'mixed' ? lines.map((l, i) => l + (i % 3 === 0 ? '\n' : '\r\n')).join('') : lines.join(eol);
      let raw = Buffer.from(text, 'utf8');
      for (const [at, bytes] of inserts) {
        const pos = raw.length === 0 ? 0 : at % raw.length;
        raw = Buffer.concat([raw.subarray(0, pos), Buffer.from(bytes), raw.subarray(pos)]);
      }
      return truncate && raw.length > 0 ? raw.subarray(0, cut % raw.length) : raw;
    }),
  },
  fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
);

/** Walks every entity, with its parent's body range. */
function* walk(node: MimeNode, within: [number, number]): Generator<[MimeNode, [number, number]]> {
  yield [node, within];
  for (const child of node.children) yield* walk(child, [node.bodyStart, node.bodyEnd]);
  if (node.message) yield* walk(node.message, [node.bodyStart, node.bodyEnd]);
}

/**
 * Checks that bytes are exactly one well-formed IMAP parenthesised list of
 * atoms, NIL, numbers, quoted strings and literals (RFC 3501 §4).
 */
function isOneImapList(bytes: Buffer): boolean {
  let pos = 0;
  const value = (): boolean => {
    const c = bytes[pos];
    if (c === 0x28) {
      pos++;
      if (bytes[pos] === 0x29) return ++pos > 0;
      for (;;) {
        if (!value()) return false;
        if (bytes[pos] === 0x29) return ++pos > 0;
        if (bytes[pos] === 0x20 && bytes[pos + 1] !== 0x29) pos++;
        else if (bytes[pos] !== 0x28) return false; // lists of addresses/parts follow one another unseparated
      }
    }
    if (c === 0x22) {
      for (pos++; pos < bytes.length; pos++) {
        if (bytes[pos] === 0x5c) pos++;
        else if (bytes[pos] === 0x22) return ++pos > 0;
        else if (bytes[pos] === 0x0d || bytes[pos] === 0x0a) return false;
      }
      return false;
    }
    if (c === 0x7b) {
      const close = bytes.indexOf('}\r\n', pos);
      if (close === -1) return false;
      const length = Number(bytes.toString('latin1', pos + 1, close));
      pos = close + 3 + length;
      return Number.isInteger(length) && pos <= bytes.length;
    }
    const start = pos;
    while (pos < bytes.length && /[A-Za-z0-9]/.test(String.fromCharCode(bytes[pos]!))) pos++;
    return pos > start;
  };
  return value() && pos === bytes.length;
}

const section = (raw: Buffer, tree: MimeTree, part: number[], kind: '' | 'HEADER' | 'TEXT' | 'MIME'): Buffer => bodySection(raw, tree, { part, kind });

describe('MIME tree properties', () => {
  it('never throws, and BODY/BODYSTRUCTURE/ENVELOPE are well-formed', () => {
    fc.assert(
      fc.property(message, fc.boolean(), (raw, utf8) => {
        const tree = buildMimeTree(raw);
        for (const extensible of [false, true]) expect(isOneImapList(outputBytes(bodyStructure(tree, extensible, { utf8 })))).toBe(true);
        for (const [node] of walk(tree.root, [0, raw.length])) expect(isOneImapList(outputBytes(envelope(node.header, { utf8 })))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('part byte ranges lie within the message and nest', () => {
    fc.assert(
      fc.property(message, (raw) => {
        const tree = buildMimeTree(raw);
        expect(tree.root.headerStart).toBe(0);
        expect(tree.root.bodyEnd).toBe(raw.length);
        for (const [node, [start, end]] of walk(tree.root, [0, raw.length])) {
          expect(start).toBeLessThanOrEqual(node.headerStart);
          expect(node.headerStart).toBeLessThanOrEqual(node.headerEnd);
          expect(node.headerEnd).toBeLessThanOrEqual(node.bodyStart);
          expect(node.bodyStart).toBeLessThanOrEqual(node.bodyEnd);
          expect(node.bodyEnd).toBeLessThanOrEqual(end);
          expect(node.size).toBe(node.bodyEnd - node.bodyStart);
          let previous = node.bodyStart;
          for (const child of node.children) {
            expect(child.headerStart).toBeGreaterThanOrEqual(previous);
            previous = child.bodyEnd;
          }
          for (const field of node.header) {
            expect(field.start).toBeGreaterThanOrEqual(node.headerStart);
            expect(field.end).toBeLessThanOrEqual(node.bodyStart);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('BODY[] is the raw bytes; HEADER + TEXT is the raw bytes; parts are found by their numbers', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.nat(), (raw, start, length) => {
        const tree = buildMimeTree(raw);
        expect(section(raw, tree, [], '').equals(raw)).toBe(true);
        expect(Buffer.concat([section(raw, tree, [], 'HEADER'), section(raw, tree, [], 'TEXT')]).equals(raw)).toBe(true);
        const s = start % (raw.length + 2);
        expect(bodySection(raw, tree, { part: [], kind: '', partial: { start: s, length } }).equals(raw.subarray(s, s + length))).toBe(true);
        for (const [node] of walk(tree.root, [0, raw.length])) {
          for (const child of node.children) {
            expect(findPart(tree, [...child.part])).toBe(child);
            const whole = raw.subarray(child.headerStart, child.bodyEnd);
            expect(Buffer.concat([section(raw, tree, [...child.part], 'MIME'), section(raw, tree, [...child.part], '')]).equals(whole)).toBe(true);
          }
          if (node.message) {
            // An encapsulated message is found by its number, and its HEADER + TEXT is its whole.
            const part = [...node.message.part];
            expect(findPart(tree, part)?.message).toBe(node.message);
            const whole = raw.subarray(node.message.headerStart, node.message.bodyEnd);
            expect(Buffer.concat([section(raw, tree, part, 'HEADER'), section(raw, tree, part, 'TEXT')]).equals(whole)).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
