/**
 * Mailpit's tag rule: letters, digits, `-`, `.`, space, `_`, `@`, 1–100 characters.
 * Other characters are dropped, runs of spaces collapsed. Shared by the server (which
 * cleans delivery tags and refuses an unclean tag given through the API) and the web
 * inbox (which checks a tag before sending it), so the two cannot drift.
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
