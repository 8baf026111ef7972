import { createHash } from 'node:crypto';
import type { Attachment } from 'mailparser';

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
