/**
 * RFC 5256 §3 THREAD=ORDEREDSUBJECT: messages with the same base subject form one
 * thread, its oldest message the parent of all the others (in date order); threads
 * are ordered by the date of their first message. Pure.
 */
import type { ThreadAlgorithm, ThreadItem } from './thread-references.js';
import type { ThreadNode } from './thread-tree.js';

export const threadByOrderedSubject: ThreadAlgorithm = (items, numbers) => {
  // Sort by (base subject, sent date, mailbox order), as SORT (SUBJECT DATE) does.
  const order = items.map((_, i) => i);
  order.sort((a, b) => {
    const x = items[a] as ThreadItem;
    const y = items[b] as ThreadItem;
    if (x.subject.text !== y.subject.text) return x.subject.text < y.subject.text ? -1 : 1;
    return x.sentDate !== y.sentDate ? x.sentDate - y.sentDate : a - b;
  });
  const threads: Array<{ first: number; node: ThreadNode }> = [];
  let subject: string | undefined;
  let current: ThreadNode | undefined;
  for (const i of order) {
    const item = items[i] as ThreadItem;
    if (current && item.subject.text === subject) {
      current.children.push({ number: numbers[i] as number, children: [] });
      continue;
    }
    subject = item.subject.text;
    current = { number: numbers[i] as number, children: [] };
    threads.push({ first: i, node: current });
  }
  threads.sort((a, b) => {
    const x = items[a.first] as ThreadItem;
    const y = items[b.first] as ThreadItem;
    return x.sentDate !== y.sentDate ? x.sentDate - y.sentDate : a.first - b.first;
  });
  return threads.map((t) => t.node);
};
