/**
 * BODYSTRUCTURE and ENVELOPE as a real client reads them: imapflow's own response
 * reader (its stream splitter, parser and structure decoder), not ours.
 */
import { parser } from 'imapflow/lib/handler/imap-handler.js';
import { ImapStream } from 'imapflow/lib/handler/imap-stream.js';
import { parseBodystructure, parseEnvelope } from 'imapflow/lib/tools.js';
import type { ImapAttributeList } from 'imapflow/lib/handler/types.js';
import type { MessageStructureObject } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { bodyStructure } from '../../server/imap/bodystructure.js';
import { outputBytes } from '../../server/imap/encode.js';
import { envelope } from '../../server/imap/envelope.js';
import { bodySection } from '../../server/imap/body-section.js';
import { buildMimeTree, findPart } from '../../server/mime/mime-tree.js';
import { fixtures, type FixtureName } from '../fixtures/mime/messages.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, trace() {} };

/** Feeds one untagged FETCH line to imapflow and returns its (BODYSTRUCTURE, ENVELOPE) attributes. */
async function clientReads(line: Buffer): Promise<{ structure: MessageStructureObject; envelope: ReturnType<typeof parseEnvelope> }> {
  const stream = new ImapStream({ logger: quiet });
  const item = new Promise<{ payload: Buffer; literals: Buffer[]; next: () => void }>((resolve) => stream.once('data', resolve));
  stream.end(Buffer.concat([line, Buffer.from('\r\n')]));
  const { payload, literals, next } = await item;
  next();
  const response = await parser(payload, { literals });
  const items = response.attributes?.[1];
  if (!Array.isArray(items)) throw new Error('no FETCH item list');
  return {
    structure: parseBodystructure(items[1] as ImapAttributeList),
    envelope: parseEnvelope(items[3] as ImapAttributeList),
  };
}

function fetchLine(raw: Buffer): Buffer {
  const tree = buildMimeTree(raw);
  return Buffer.concat([
    Buffer.from('* 1 FETCH (BODYSTRUCTURE '),
    outputBytes(bodyStructure(tree, true)),
    Buffer.from(' ENVELOPE '),
    outputBytes(envelope(tree.root.header)),
    Buffer.from(')'),
  ]);
}

/** Leaves of the client's tree, each with the client's node that wraps it (if any). */
function* leaves(node: MessageStructureObject, parent?: MessageStructureObject): Generator<[MessageStructureObject, MessageStructureObject | undefined]> {
  if (!node.childNodes || node.childNodes.length === 0) yield [node, parent];
  for (const child of node.childNodes ?? []) yield* leaves(child, node);
}

const numbers = (part: string | undefined): number[] => (part === undefined ? [] : part.split('.').map(Number));

describe('imapflow reads our BODYSTRUCTURE and ENVELOPE', () => {
  for (const name of Object.keys(fixtures) as FixtureName[]) {
    it(`${name}: every part the client names is the part we serve`, async () => {
      const raw = fixtures[name];
      const tree = buildMimeTree(raw);
      const { structure } = await clientReads(fetchLine(raw));
      for (const [leaf, parent] of leaves(structure)) {
        if (parent?.type === 'message/rfc822') {
          // imapflow gives an encapsulated single-part body its wrapper's number;
          // its bytes are that message's TEXT (a message that is the whole top level is part 1).
          const part = parent.part === undefined ? [1] : numbers(parent.part);
          const message = findPart(tree, part)?.message;
          const text = bodySection(raw, tree, { part, kind: 'TEXT' });
          if (message) expect(leaf.type).toBe(`${message.contentType.type}/${message.contentType.subtype}`.toLowerCase());
          expect(text.length).toBe(leaf.size);
          continue;
        }
        const part = leaf.part === undefined ? [1] : numbers(leaf.part);
        const node = findPart(tree, part);
        if (!node) {
          // Only the placeholder of a multipart without parts has no bytes behind it.
          expect(leaf.size).toBe(0);
          continue;
        }
        expect(leaf.type).toBe(`${node.contentType.type}/${node.contentType.subtype}`.toLowerCase());
        expect(bodySection(raw, tree, { part, kind: '' }).length).toBe(leaf.size);
      }
    });
  }

  it('decodes RFC 2231 names and 8-bit header text as a client would show them', async () => {
    const mixed = await clientReads(fetchLine(fixtures.mixedAttachment));
    const attachment = mixed.structure.childNodes?.[1];
    expect(attachment?.parameters?.name).toBe('€ rates2024.pdf');
    expect(attachment?.dispositionParameters?.filename).toBe('€ rates2024.pdf');
    expect(attachment?.language).toEqual(['en', 'fr']);
    const utf8 = await clientReads(fetchLine(fixtures.utf8Headers));
    expect(utf8.envelope.subject).toBe('Grüße aus Köln');
    expect(utf8.envelope.from).toEqual([{ name: 'Jürgen Groß', address: 'juergen@red.example' }]);
    const forms = await clientReads(fetchLine(fixtures.addressForms));
    expect(forms.envelope.subject).toBe('"quoted" \\ subject');
    expect(forms.envelope.inReplyTo).toBe('<prev@red.example>');
  });
});
