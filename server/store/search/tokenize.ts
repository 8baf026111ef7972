/** One term of a Mailpit search: an optional negation, an optional `prefix:`, and a value. */
export interface SearchTerm {
  negated: boolean;
  /** Lower-cased prefix without its colon (`from`, `is`, …), or '' for a plain word or phrase. */
  prefix: string;
  value: string;
}

export type Tokenized = { ok: true; terms: SearchTerm[] } | { ok: false; error: string };

const PREFIXES = new Set([
  'from', 'to', 'cc', 'bcc', 'reply-to', 'addressed', 'subject', 'message-id', 'tag',
  'is', 'has', 'larger', 'smaller', 'before', 'after',
]);

/**
 * Splits a query as Mailpit does: terms separated by white space, `"quoted phrases"`
 * (also as a prefix value: `subject:"two words"`), `-` or `!` negating a term.
 * A word with an unknown prefix (`http://x`) is searched as plain text.
 */
export function tokenize(query: string): Tokenized {
  const terms: SearchTerm[] = [];
  let i = 0;
  const n = query.length;
  while (i < n) {
    while (i < n && /\s/.test(query[i] as string)) i++;
    if (i >= n) break;
    let negated = false;
    if ((query[i] === '-' || query[i] === '!') && i + 1 < n && !/\s/.test(query[i + 1] as string)) {
      negated = true;
      i++;
    }
    let prefix = '';
    const head = /^([a-z-]+):/i.exec(query.slice(i, i + 20));
    if (head && PREFIXES.has((head[1] as string).toLowerCase())) {
      prefix = (head[1] as string).toLowerCase();
      i += head[0].length;
    }
    let value: string;
    if (query[i] === '"') {
      const close = query.indexOf('"', i + 1);
      if (close < 0) return { ok: false, error: 'unbalanced quotes in search query' };
      value = query.slice(i + 1, close);
      i = close + 1;
    } else {
      const start = i;
      while (i < n && !/\s/.test(query[i] as string)) i++;
      value = query.slice(start, i);
      if (value.includes('"')) return { ok: false, error: 'unbalanced quotes in search query' };
    }
    if (prefix && value.trim() === '') return { ok: false, error: `"${prefix}:" needs a value` };
    if (!prefix && value === '') continue;
    terms.push({ negated, prefix, value });
  }
  return { ok: true, terms };
}
