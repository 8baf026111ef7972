import { createHash } from 'node:crypto';
import type { Attachment } from 'mailparser';
import type { MessageId, StoredMessage } from '../store/types.js';
import { parsesOffThread } from './off-thread.js';
import { readPool } from './read-pool.js';
import type { ParsePool } from './worker-pool.js';

/** One attachment or inline part, with the checksums Mailpit's API carries. */
export interface ParsedPart {
  /** The IMAP-style MIME path (`2`, `1.2`), as Mailpit's PartID. */
  partId: string;
  fileName: string;
  contentType: string;
  /** Content-ID without angle brackets, or ''. */
  contentId: string;
  size: number;
  checksums: { MD5: string; SHA1: string; SHA256: string };
  content: Buffer;
}

/** The decoded view of a message, made by mailparser on demand. */
export interface ParsedMessage {
  text: string;
  html: string;
  attachments: ParsedPart[];
  inline: ParsedPart[];
  /** Header fields in order, names as written, values unfolded and still encoded. */
  headerLines: Array<{ name: string; value: string }>;
  /** Why this view is not the whole message (the parser failed or a cap stopped it), in a sentence; '' when it is. */
  error: string;
}

/**
 * What the parser's own caps (mailsplit under mailparser: 1,000 MIME nodes, 1 MiB of
 * header per node, each line counted as at least 64 bytes) say when they stop it.
 */
const PARSER_CAPS: Array<[RegExp, string]> = [
  [/max header size/i, 'a header block is larger than the parser reads (1 MiB per part, lines counted as at least 64 bytes)'],
  [/child nodes|max.*nodes/i, 'the message has more MIME parts than the parser reads (1,000)'],
];

/** The sentence for a parse that threw: a cap's own, or the parser's message, short. */
function parseFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cap = PARSER_CAPS.find(([pattern]) => pattern.test(message));
  const why = cap ? cap[1] : `the parser failed (${message.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 200)})`;
  return `Not parsed: ${why}. The text shown is the raw message.`;
}

/** Parses a message body. Never rejects: a message mailparser cannot read gives an empty view. */
export async function parseRaw(raw: Buffer): Promise<ParsedMessage> {
  try {
    // Loaded on first use: mailparser and what it pulls in are a quarter of an idle heap.
    const { simpleParser } = await import('mailparser');
    const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, keepCidLinks: true, checksumAlgo: false });
    const attachments: ParsedPart[] = [];
    const inline: ParsedPart[] = [];
    mail.attachments.forEach((attachment, index) => {
      const part = toPart(attachment, index);
      if (isInlinePart(attachment)) inline.push(part);
      else attachments.push(part);
    });
    return {
      text: mail.text ?? '',
      html: typeof mail.html === 'string' ? mail.html : '',
      attachments,
      inline,
      headerLines: mail.headerLines.map((line) => {
        const colon = line.line.indexOf(':');
        return { name: colon > 0 ? line.line.slice(0, colon).trim() : line.key, value: unfold(colon > 0 ? line.line.slice(colon + 1) : '') };
      }),
      error: '',
    };
  } catch (error) {
    return { text: raw.toString('utf8'), html: '', attachments: [], inline: [], headerLines: [], error: parseFailure(error) };
  }
}

/** Mailpit lists parts shown within the HTML (multipart/related, or inline with a Content-ID) as Inline. */
export function isInlinePart(attachment: Pick<Attachment, 'related' | 'contentDisposition' | 'cid'>): boolean {
  return Boolean(attachment.related || (attachment.contentDisposition === 'inline' && attachment.cid));
}

function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, '').trim();
}

function toPart(attachment: Attachment, index: number): ParsedPart {
  const content = attachment.content;
  return {
    partId: attachment.partId ?? String(index + 1),
    fileName: typeof attachment.filename === 'string' ? attachment.filename : '',
    // mailparser gives `false` for a Content-Type it cannot read; RFC 2045 §5.2 says such a
    // field is taken as the default, text/plain.
    contentType: typeof attachment.contentType === 'string' && attachment.contentType !== '' ? attachment.contentType : 'text/plain',
    contentId: attachment.cid ?? '',
    size: content.length,
    checksums: {
      MD5: createHash('md5').update(content).digest('hex'),
      SHA1: createHash('sha1').update(content).digest('hex'),
      SHA256: createHash('sha256').update(content).digest('hex'),
    },
    content,
  };
}

/**
 * The view of a message whose parse was given up (past the pool's time limit, or its
 * worker died): no body, no parts. Its exact bytes are still served raw.
 */
const GIVEN_UP: ParsedMessage = Object.freeze({
  text: '',
  html: '',
  attachments: [],
  inline: [],
  headerLines: [],
  error: 'Not parsed: parsing ran past its time limit or its worker failed, so it was given up. The raw message is unchanged.',
});

/**
 * Parsed messages, kept for the few most recently viewed: opening a message asks for it
 * several times in a row (message, parts, thumbnails, view), but the store may hold
 * thousands, so the cache is bounded by count and by raw bytes.
 *
 * A small message is parsed here; a large or many-part one on the read pool's worker
 * threads (see parsesOffThread), where mailparser's own caps (1,000 MIME nodes, 1 MB of
 * header per node) and the pool's time limit bound it.
 */
export class ParseCache {
  readonly #entries = new Map<MessageId, { raw: Buffer; parsed: Promise<ParsedMessage> }>();
  #bytes = 0;

  constructor(
    readonly maxEntries = 64,
    readonly maxBytes = 64 * 1024 * 1024,
    private readonly pool: () => ParsePool = readPool,
  ) {}

  get(message: StoredMessage): Promise<ParsedMessage> {
    const hit = this.#entries.get(message.id);
    if (hit && hit.raw === message.raw) {
      // Re-insert so Map order is least-recently-used first.
      this.#entries.delete(message.id);
      this.#entries.set(message.id, hit);
      return hit.parsed;
    }
    if (hit) this.forget(message.id);
    const raw = message.raw;
    const parsed = parsesOffThread(raw) ? this.pool().view(raw).then((view) => view ?? GIVEN_UP) : parseRaw(raw);
    this.#entries.set(message.id, { raw: message.raw, parsed });
    this.#bytes += message.raw.length;
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= 1 || (this.#entries.size <= this.maxEntries && this.#bytes <= this.maxBytes)) break;
      this.#entries.delete(id);
      this.#bytes -= entry.raw.length;
    }
    return parsed;
  }

  forget(id: MessageId): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#bytes -= entry.raw.length;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
