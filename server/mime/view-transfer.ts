/**
 * A parsed message view (parse.ts) as it crosses from a worker thread to the main one:
 * attachment bytes are moved, not copied, and the header lines — thousands in a
 * flood, read by no route — travel as one string, split only if someone asks.
 */
import type { ParsedMessage, ParsedPart } from './parse.js';

interface PackedPart extends Omit<ParsedPart, 'content'> {
  content: Uint8Array;
}

export interface PackedView {
  text: string;
  html: string;
  attachments: PackedPart[];
  inline: PackedPart[];
  /** JSON of ParsedMessage.headerLines. */
  headerLines: string;
  error: string;
}

/** The view, and the buffers to list for transfer with it. */
export function packView(view: ParsedMessage): { packed: PackedView; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>();
  const pack = (part: ParsedPart): PackedPart => {
    const { content } = part;
    // Only a buffer that is all of its ArrayBuffer can be moved; a slice (of Node's pool,
    // or of a larger chunk) is copied into one of its own first.
    const whole = content.byteOffset === 0 && content.byteLength === content.buffer.byteLength && content.buffer instanceof ArrayBuffer;
    const own = whole && !transfer.has(content.buffer) ? content : new Uint8Array(content);
    transfer.add(own.buffer as ArrayBuffer);
    return { ...part, content: own };
  };
  const packed: PackedView = {
    text: view.text,
    html: view.html,
    attachments: view.attachments.map(pack),
    inline: view.inline.map(pack),
    headerLines: JSON.stringify(view.headerLines),
    error: view.error,
  };
  return { packed, transfer: [...transfer] };
}

export function unpackView(packed: PackedView): ParsedMessage {
  const unpack = (part: PackedPart): ParsedPart => ({
    ...part,
    content: Buffer.from(part.content.buffer, part.content.byteOffset, part.content.byteLength),
  });
  let headerLines: ParsedMessage['headerLines'] | undefined;
  return {
    text: packed.text,
    html: packed.html,
    attachments: packed.attachments.map(unpack),
    inline: packed.inline.map(unpack),
    error: packed.error,
    get headerLines() {
      return (headerLines ??= JSON.parse(packed.headerLines) as ParsedMessage['headerLines']);
    },
  };
}
