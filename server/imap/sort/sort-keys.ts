/**
 * RFC 5256 §3 sort criteria (and RFC 5957 DISPLAYFROM/DISPLAYTO), and the ordering
 * they define. Every key falls back to the message's place in the mailbox, so the
 * order is total (RFC 5256 §2.2: ties go by sequence number).
 */
import type { StoredMessage } from '../../store/types.js';
import { factsOf, sentDate, type HeaderFacts } from './message-facts.js';

export type SortKeyName = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';

export interface SortCriterion {
  key: SortKeyName;
  reverse: boolean;
}

const KEYS: ReadonlySet<string> = new Set<SortKeyName>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

export function isSortKey(word: string): word is SortKeyName {
  return KEYS.has(word);
}

const ADDRESS_KEYS: ReadonlySet<SortKeyName> = new Set<SortKeyName>(['FROM', 'TO', 'CC', 'DISPLAYFROM', 'DISPLAYTO']);

/** The header facts the criteria compare, which `learnFacts` must learn before `sortMessages`. */
export function headerFactsOf(criteria: readonly SortCriterion[]): HeaderFacts[] {
  return criteria.some((c) => ADDRESS_KEYS.has(c.key)) ? ['addresses'] : [];
}

/** The value a key compares for one message: numbers for times and sizes, upper-cased text otherwise. */
export function sortValue(key: SortKeyName, message: StoredMessage): number | string {
  switch (key) {
    case 'ARRIVAL':
      return message.receivedAt.getTime();
    case 'SIZE':
      return message.size;
    case 'DATE':
      // Read straight from the summary: no cached facts to look up.
      return sentDate(message);
    case 'SUBJECT':
      return factsOf(message).subject.text;
    case 'FROM':
      return factsOf(message).from.mailbox;
    case 'TO':
      return factsOf(message).to.mailbox;
    case 'CC':
      return factsOf(message).cc.mailbox;
    case 'DISPLAYFROM':
      return factsOf(message).from.display;
    case 'DISPLAYTO':
      return factsOf(message).to.display;
  }
}

/**
 * The positions of `messages` (each given by its index into the mailbox, ascending)
 * in sorted order. Values are read once per message and key, then only compared.
 */
export function sortMessages(messages: readonly StoredMessage[], indexes: readonly number[], criteria: readonly SortCriterion[]): number[] {
  const columns = criteria.map((c) => ({ sign: c.reverse ? -1 : 1, values: indexes.map((i) => sortValue(c.key, messages[i] as StoredMessage)) }));
  const order = indexes.map((_, position) => position);
  const [only] = columns;
  if (columns.length === 1 && only && typeof only.values[0] === 'number') {
    // The common single time or size key: a plain numeric comparison, no loop over keys.
    const { sign } = only;
    const values = only.values as number[];
    order.sort((a, b) => sign * ((values[a] as number) - (values[b] as number)) || a - b);
    return order.map((position) => indexes[position] as number);
  }
  order.sort((a, b) => {
    for (const { sign, values } of columns) {
      const x = values[a] as number | string;
      const y = values[b] as number | string;
      if (x !== y) return x < y ? -sign : sign;
    }
    return a - b;
  });
  return order.map((position) => indexes[position] as number);
}
