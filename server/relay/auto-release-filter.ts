/**
 * Which arriving messages --release-auto releases: the same search syntax as the
 * API's (the store's search compiler), tested on each message as it arrives and once
 * its body is indexed (liveTest). A bad query is an option error at start.
 */
import { OptionError } from '../lib/options.js';
import type { MailStore } from '../store/mail-store.js';
import { compileSearch, liveTest, type MessageTest } from '../store/search/compile.js';

export type MessageFilter = MessageTest;

export function compileAutoReleaseFilter(query: string, store: MailStore): MessageFilter {
  const compiled = compileSearch(query);
  if (!compiled.ok) throw new OptionError(`--release-auto: ${compiled.error}`);
  return liveTest(store, query, compiled);
}
