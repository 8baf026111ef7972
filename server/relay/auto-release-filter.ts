/**
 * Which arriving messages --release-auto releases: the same search syntax as the
 * API's (the store's search compiler). A bad query is an option error at start.
 */
import { OptionError } from '../lib/options.js';
import { compileSearch, type MessagePredicate } from '../store/search/compile.js';

export type MessageFilter = MessagePredicate;

export function compileAutoReleaseFilter(query: string): MessageFilter {
  const compiled = compileSearch(query);
  if (!compiled.ok) throw new OptionError(`--release-auto: ${compiled.error}`);
  return compiled.filter;
}
