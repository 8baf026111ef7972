import { isAscii } from 'node:buffer';
import type { BodySummary } from './types.js';
import { SEARCH_TEXT_MAX } from './body-text.js';
import { fold } from './fold.js';

/**
 * The body summary of a single-part text/plain message whose body is stored as plain
 * ASCII (7bit/8bit/binary transfer encoding, no octet above 0x7F): its decoded text is
 * its raw bytes, so nothing is copied out. The snippet is cut from the bytes when
 * asked, and search runs on the bytes (see BodyNeedle), where keeping a lower-cased
 * copy of the text would cost about as much memory as the message itself.
 */
export class AsciiTextBody implements BodySummary {
  constructor(
    /**
     * The bytes, or the stored message holding them: read through the message, since
     * the store may move a message's bytes (store/raw-arena.ts) and the old ones must
     * not be kept alive by this summary.
     */
    private readonly source: Buffer | { readonly raw: Buffer },
    /** Offset of the body in raw (just past the header's blank line). */
    private readonly start: number,
    /** Whether the body has any of A–Z: without, its bytes are already their folded form. */
    private readonly upper: boolean,
  ) {}

  /**
   * The summary of `raw` when its body (from `start`) is plain ASCII, else undefined.
   * `scanCase: false` skips looking for capitals (a JavaScript loop over every byte) for
   * a large body; its searches then fold the text, which is correct, only slower.
   */
  static of(source: Buffer | { readonly raw: Buffer }, start: number, scanCase = true): AsciiTextBody | undefined {
    const body = bytesOf(source).subarray(start);
    if (!isAscii(body)) return undefined;
    return new AsciiTextBody(source, start, scanCase ? hasUpperCase(body) : true);
  }

  // On the prototype rather than on each of (up to) hundreds of thousands of summaries.
  get attachments(): number {
    return 0;
  }

  get inline(): number {
    return 0;
  }

  private get raw(): Buffer {
    return bytesOf(this.source);
  }

  /**
   * snippetOf(text) read straight from the bytes: leading white space skipped, each run
   * inside the text one space, cut at SNIPPET_LENGTH characters (one per ASCII byte).
   * Only the bytes the snippet needs are looked at.
   */
  get snippet(): string {
    const out: number[] = [];
    let space = false;
    const raw = this.raw;
    for (let i = this.start; i < raw.length && out.length < SNIPPET_LENGTH; i++) {
      const byte = raw[i] as number;
      if (byte === 0x20 || (byte >= 0x09 && byte <= 0x0d)) {
        space = out.length > 0;
        continue;
      }
      // A run of white space counts only once a character follows it (the text is trimmed).
      if (space) {
        out.push(0x20);
        space = false;
        if (out.length === SNIPPET_LENGTH) break;
      }
      out.push(byte);
    }
    return String.fromCharCode(...out);
  }

  /** The same text the indexer keeps for other messages, made on demand. */
  get searchText(): string {
    return fold(this.#text().replace(/\s+/g, ' '));
  }

  /**
   * True when the folded, white-space-collapsed body contains the needle. `raw`: the
   * message's bytes, when the caller has read them from the store (MailStore.readRaw).
   */
  contains(needle: BodyNeedle, raw: Buffer = this.raw): boolean {
    if (!needle.ascii) return false;
    if (!this.upper && needle.bytes !== undefined) return raw.subarray(0, this.#searchEnd(raw)).indexOf(needle.bytes, this.start) >= 0;
    const text = this.upper ? this.#text(raw).toLowerCase() : this.#text(raw);
    return needle.plain !== undefined ? text.includes(needle.plain) : needle.pattern.test(text);
  }

  /** The text search reads: the body up to SEARCH_TEXT_MAX characters (one per byte here), as other summaries keep it. */
  #text(raw: Buffer = this.raw): string {
    return raw.toString('latin1', this.start, this.#searchEnd(raw));
  }

  #searchEnd(raw: Buffer): number {
    return Math.min(raw.length, this.start + SEARCH_TEXT_MAX);
  }
}

/**
 * A search needle prepared once per query for matching stored ASCII bodies: the
 * folded, white-space-collapsed needle the search compiler makes (see compile.ts).
 * Collapsing turned each white-space run of the body into one space, so a space in
 * the needle matches a run of ASCII white space in the bytes.
 */
export interface BodyNeedle {
  /** False when the needle has a non-ASCII character: an ASCII body cannot contain it. */
  ascii: boolean;
  /** The needle itself when it has no space (a plain substring search does). */
  plain: string | undefined;
  /** …and its bytes, encoded once per query rather than once per message searched. */
  bytes: Buffer | undefined;
  /** Otherwise: spaces as runs of white space, over lower-case text. */
  pattern: RegExp;
}

const SNIPPET_LENGTH = 250;

/** JavaScript's \s within ASCII, which is what the collapse replaced. */
const ASCII_SPACE = '[\\t\\n\\v\\f\\r ]+';

export function bodyNeedle(folded: string): BodyNeedle {
  const ascii = isAscii(Buffer.from(folded, 'utf8'));
  const plain = folded.includes(' ') ? undefined : folded;
  const pattern = new RegExp(folded.split(' ').map(escapeRegExp).join(ASCII_SPACE));
  return { ascii, plain, bytes: plain === undefined ? undefined : Buffer.from(plain, 'latin1'), pattern };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function bytesOf(source: Buffer | { readonly raw: Buffer }): Buffer {
  return Buffer.isBuffer(source) ? source : source.raw;
}

function hasUpperCase(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte >= 0x41 && byte <= 0x5a) return true;
  }
  return false;
}
