import { AsciiTextBody, bodyNeedle, type BodyNeedle } from '../../mime/ascii-text-body.js';
import type { MailStore } from '../mail-store.js';
import type { BodySummary, MessageId } from '../types.js';
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
 * What a store that searches body text itself found (MailStore.bodiesContaining): for
 * each query text, the ids of the messages whose body holds it.
 */
export type BodyHits = ReadonlyMap<string, ReadonlySet<MessageId>>;

/**
 * Asks the store for the messages holding each query text (of `among` only, when
 * given), when it keeps body text outside its index; undefined when it does not
 * (bodies are matched in memory then). One question per distinct text, asked together.
 */
export async function storeBodyHits(store: MailStore, texts: Iterable<string>, among?: readonly MessageId[]): Promise<BodyHits | undefined> {
  const search = store.bodiesContaining?.bind(store);
  if (!search) return undefined;
  const distinct = [...new Set(texts)];
  const found = await Promise.all(distinct.map((text) => search(text, among)));
  return new Map(distinct.map((text, i) => [text, found[i] as ReadonlySet<MessageId>]));
}

/** Whether a body is matched in memory (its summary keeps its search text, or reads it in the bytes), not by the store's answer. */
export function matchedInMemory(body: BodySummary): boolean {
  return body instanceof AsciiTextBody || body.searchText !== undefined;
}

/**
 * Whether a message's body summary holds the query: a plain ASCII body in its stored
 * bytes (it keeps no folded copy, see AsciiTextBody; `raw` when the caller has read
 * them), a summary with search text in that text, and one whose text the store keeps
 * (no searchText) by the store's answer in `hits`.
 */
export function bodyMatches(id: MessageId, body: BodySummary, query: BodyQuery, hits: BodyHits | undefined, raw?: Buffer): boolean {
  if (body instanceof AsciiTextBody) return body.contains(query.needle, raw);
  if (body.searchText !== undefined) return body.searchText.includes(query.text);
  return hits?.get(query.text)?.has(id) ?? false;
}
