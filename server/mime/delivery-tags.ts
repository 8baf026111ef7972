import { firstFieldValue } from './field-value.js';
import type { Envelope } from './types.js';

/**
 * Mailpit's tag rule: letters, digits, `-`, `.`, space, `_`, `@`, 1–100 characters.
 * Other characters are dropped, runs of spaces collapsed.
 */
export function cleanTag(tag: string): string {
  return tag
    .replace(/[^\p{L}\p{N}\-. _@]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 100)
    .trim();
}

/** What isCleanTag asks of a tag, for a refusal to say. */
export const TAG_RULE = 'letters, digits, single spaces and - . _ @, 1 to 100 characters, no space at either end';

/**
 * Whether a tag given through the API is one as it stands: cleaning would leave it
 * unchanged. The API refuses any other rather than store it cleaned (Mailpit cleans
 * silently, so "!!!" clears a message's tags).
 */
export function isCleanTag(tag: string): boolean {
  return tag !== '' && cleanTag(tag) === tag;
}

export function cleanTags(tags: Iterable<string>): string[] {
  return [...new Set([...tags].map(cleanTag).filter(Boolean))];
}

/**
 * Tags a message carries at delivery, as Mailpit applies them: the comma-separated
 * `X-Tags` header, and plus-addressing (`user+tag@example.com` tags it `tag`) on the
 * envelope recipients.
 */
export function deliveryTags(raw: Buffer, envelope: Envelope): string[] {
  const tags: string[] = [];
  // Found on the bytes, without splitting the header into fields (most mail has none).
  const header = firstFieldValue(raw, 'X-Tags');
  if (header) tags.push(...header.split(','));
  for (const recipient of envelope.rcptTo) {
    const at = recipient.lastIndexOf('@');
    const local = at > 0 ? recipient.slice(0, at) : recipient;
    const plus = local.indexOf('+');
    if (plus >= 0) tags.push(local.slice(plus + 1));
  }
  return cleanTags(tags);
}
