import { cleanTag } from '../shapes/tag-rule.js';
import { firstFieldValue } from './field-value.js';
import type { Envelope } from './types.js';

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
