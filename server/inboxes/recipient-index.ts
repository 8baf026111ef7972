/**
 * Every inbox's recipient patterns (the --release-allow forms: bob@blue.com,
 * blue.com or *@blue.com, *.blue.com) indexed by address and domain, so routing a
 * recipient costs a few map lookups however many inboxes there are, instead of one
 * pattern list per inbox.
 */
import { allowRules, type AllowList } from '../security/allow-list.js';

export interface RecipientIndex {
  /** The positions (in the order given) of the inboxes any of these recipients matches, ascending; empty when none. */
  match(recipients: readonly string[]): number[];
}

export function recipientIndex(lists: readonly AllowList[]): RecipientIndex {
  const byKind = { address: new Map<string, number[]>(), domain: new Map<string, number[]>(), subdomains: new Map<string, number[]>() };
  lists.forEach((list, position) => {
    for (const { kind, value } of allowRules(list.patterns)) {
      const map = byKind[kind];
      const positions = map.get(value) ?? [];
      if (!positions.includes(position)) positions.push(position);
      map.set(value, positions);
    }
  });
  return {
    match(recipients) {
      const found = new Set<number>();
      const add = (positions: number[] | undefined) => positions?.forEach((p) => found.add(p));
      for (const recipient of recipients) {
        const lower = recipient.toLowerCase();
        const at = lower.lastIndexOf('@');
        if (at <= 0 || at === lower.length - 1) continue;
        const domain = lower.slice(at + 1);
        add(byKind.address.get(lower));
        add(byKind.domain.get(domain));
        // *.blue.com matches a.blue.com and a.b.blue.com, never blue.com itself.
        for (let dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) add(byKind.subdomains.get(domain.slice(dot + 1)));
      }
      return [...found].sort((a, b) => a - b);
    },
  };
}
