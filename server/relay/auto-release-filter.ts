/**
 * Which arriving messages --release-auto releases. Uses the store's search
 * compiler when it is there; until then this subset: `to:TEXT`, `from:TEXT`
 * (substring of an envelope or header address, case-insensitive), `subject:TEXT`,
 * each negated by a leading `-`, all of them required.
 */
import { OptionError } from '../lib/options.js';
import type { StoredMessage } from '../store/types.js';

export type MessageFilter = (message: StoredMessage) => boolean;

function addresses(message: StoredMessage, field: 'to' | 'from'): string[] {
  const { summary, envelope } = message;
  if (field === 'from') return [envelope.mailFrom, summary.from?.address ?? ''].map((a) => a.toLowerCase());
  return [...envelope.rcptTo, ...summary.to.map((a) => a.address), ...summary.cc.map((a) => a.address)].map((a) => a.toLowerCase());
}

export function compileAutoReleaseFilter(query: string): MessageFilter {
  const tests: MessageFilter[] = [];
  for (const token of query.match(/-?\w+:"[^"]*"|\S+/g) ?? []) {
    const negated = token.startsWith('-');
    const match = /^(to|from|subject):"?([^"]*)"?$/i.exec(negated ? token.slice(1) : token);
    if (!match) throw new OptionError(`--release-auto: "${token}" is not understood; use to:, from: or subject: (each may start with -)`);
    const field = (match[1] as string).toLowerCase();
    const value = (match[2] as string).toLowerCase();
    const test: MessageFilter =
      field === 'subject'
        ? (m) => m.summary.subject.toLowerCase().includes(value)
        : (m) => addresses(m, field as 'to' | 'from').some((a) => a.includes(value));
    tests.push(negated ? (m) => !test(m) : test);
  }
  if (tests.length === 0) throw new OptionError('--release-auto needs a search, e.g. "to:@blue.com"');
  return (message) => tests.every((test) => test(message));
}
