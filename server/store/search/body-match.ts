import { AsciiTextBody, bodyNeedle, type BodyNeedle } from '../../mime/ascii-text-body.js';
import type { BodySummary } from '../types.js';
import { fold } from '../../mime/fold.js';

/**
 * A body search, prepared once per query the way the indexer keeps body text: folded
 * (lower case, NFC) with each run of white space one space, so a phrase matches across
 * line breaks. Shared by the API's search and IMAP SEARCH BODY/TEXT.
 */
export interface BodyQuery {
  text: string;
  needle: BodyNeedle;
}

export function bodyQuery(value: string): BodyQuery {
  const text = fold(value).replace(/\s+/g, ' ');
  return { text, needle: bodyNeedle(text) };
}

/**
 * Whether a body summary holds the query: a plain ASCII body in its stored bytes (it
 * keeps no folded copy, see AsciiTextBody; `raw` when the caller has read them), any
 * other in the indexer's search text.
 */
export function bodyMatches(body: BodySummary, query: BodyQuery, raw?: Buffer): boolean {
  return body instanceof AsciiTextBody ? body.contains(query.needle, raw) : body.searchText.includes(query.text);
}
