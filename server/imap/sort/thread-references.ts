/**
 * RFC 5256 §3 THREAD=REFERENCES: threads from Message-ID, References and In-Reply-To,
 * with dummies for messages referred to but absent, pruned; threads whose base
 * subjects agree are then gathered, and siblings ordered by sent date. Pure, and
 * without recursion, so a reply chain of any length cannot overflow the stack.
 */
import type { BaseSubject } from './base-subject.js';
import type { ThreadNode } from './thread-tree.js';

/** What threading reads of one message (a message's cached facts are one). */
export interface ThreadItem {
  /** Message-ID without brackets, or '' for none. */
  readonly messageId: string;
  readonly references: readonly string[];
  /** RFC 5256 §2.2 sent date, in ms. */
  readonly sentDate: number;
  readonly subject: BaseSubject;
}

/** Threads messages given in mailbox order, each named in the answer by its number (sequence number or UID). */
export type ThreadAlgorithm = (items: readonly ThreadItem[], numbers: readonly number[]) => ThreadNode[];

/** A node of the tree being built; it is the ThreadNode answered with, so nothing is copied at the end. */
interface Container extends ThreadNode {
  item: ThreadItem | null;
  /** Place in the mailbox (ties in date go by it, RFC 5256 §2.2). */
  order: number;
  parent: Container | null;
  children: Container[];
}

/** The children of every container that has none: shared, never added to (link gives a container its own list). */
const NO_CHILDREN: Container[] = [];

function container(item: ThreadItem | null, number: number, order: number): Container {
  return { number, item, order, parent: null, children: NO_CHILDREN };
}

/** Whether making `parent` the parent of `child` would close a loop (RFC 5256 §3 step 1.A). */
function wouldLoop(parent: Container, child: Container): boolean {
  if (parent === child) return true;
  // Without children, `child` is no one's ancestor: no walk up a chain of any length.
  if (child.children.length === 0) return false;
  for (let p: Container | null = parent; p; p = p.parent) if (p === child) return true;
  return false;
}

function link(parent: Container, child: Container): void {
  child.parent = parent;
  if (parent.children === NO_CHILDREN) parent.children = [child];
  else parent.children.push(child);
}

function unlink(child: Container): void {
  const parent = child.parent;
  if (!parent) return;
  parent.children.splice(parent.children.indexOf(child), 1);
  child.parent = null;
}

/** The message a container stands for in date order and subject: itself, or a dummy's first child's. */
function representative(c: Container): Container {
  let r = c;
  while (!r.item && r.children.length > 0) r = r.children[0] as Container;
  return r;
}

function byDate(a: Container, b: Container): number {
  const x = representative(a);
  const y = representative(b);
  const dx = x.item?.sentDate ?? 0;
  const dy = y.item?.sentDate ?? 0;
  return dx !== dy ? dx - dy : x.order - y.order;
}

/** Every container under `roots`, parents before their children. */
function preorder(roots: readonly Container[]): Container[] {
  const out: Container[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const c = stack.pop() as Container;
    out.push(c);
    for (const child of c.children) stack.push(child);
  }
  return out;
}

/** Step 3: dummies without children go; others give their children to their own level (at the top, only a lone child). */
function prune(list: Container[], top: boolean, parent: Container | null): Container[] {
  // Most sibling lists hold no dummy: kept as they are, with nothing allocated.
  if (list.every((c) => c.item !== null)) return list;
  const out: Container[] = [];
  for (const c of list) {
    if (c.item) out.push(c);
    else if (c.children.length === 0) continue;
    else if (!top || c.children.length === 1) {
      for (const child of c.children) {
        child.parent = parent;
        out.push(child);
      }
    } else out.push(c);
  }
  return out;
}

export const threadByReferences: ThreadAlgorithm = (items, numbers) => {
  const byId = new Map<string, Container>();
  const all: Container[] = [];
  // Step 1.
  for (let order = 0; order < items.length; order++) {
    const item = items[order] as ThreadItem;
    const id = item.messageId;
    let c = id ? byId.get(id) : undefined;
    if (c && !c.item) {
      c.item = item;
      c.number = numbers[order] as number;
      c.order = order;
    } else {
      // No Message-ID, or a duplicate of an earlier message's: a unique id of its own.
      const fresh = !c && id !== '';
      c = container(item, numbers[order] as number, order);
      if (fresh) byId.set(id, c);
      all.push(c);
    }
    // 1.A: each reference is the parent of the next, unless it has one already or a loop would form.
    let previous: Container | null = null;
    for (const ref of item.references) {
      let r = byId.get(ref);
      if (!r) {
        r = container(null, 0, order);
        byId.set(ref, r);
        all.push(r);
      }
      if (previous && r.parent === null && !wouldLoop(previous, r)) link(previous, r);
      previous = r;
    }
    // 1.B: the last reference is the message's parent, replacing any it had.
    if (previous && (previous === c || wouldLoop(previous, c))) previous = null;
    if (c.parent !== previous) {
      unlink(c);
      if (previous) link(previous, c);
    }
  }
  // Step 2: the messages without a parent are the top level.
  let roots = all.filter((c) => c.parent === null);
  // Step 3, children before parents.
  const everything = preorder(roots);
  for (let i = everything.length - 1; i >= 0; i--) {
    const c = everything[i] as Container;
    c.children = prune(c.children, false, c);
  }
  roots = prune(roots, true, null);
  // Step 4: a dummy's children are ordered so that its first child dates it.
  for (const c of roots) if (!c.item && c.children.length > 1) c.children.sort(byDate);
  roots.sort(byDate);
  roots = gatherBySubject(roots);
  // Step 6: every set of siblings by date, the deepest first.
  const final = preorder(roots);
  for (let i = final.length - 1; i >= 0; i--) {
    const { children } = final[i] as Container;
    if (children.length > 1) children.sort(byDate);
  }
  roots.sort(byDate);
  return roots;
};

/** Step 5: threads at the top level whose base subjects agree are merged. */
function gatherBySubject(roots: readonly Container[]): Container[] {
  const subjectOf = (c: Container): BaseSubject | undefined => representative(c).item?.subject;
  const table = new Map<string, Container>();
  for (const c of roots) {
    const subject = subjectOf(c);
    if (!subject || subject.text === '') continue;
    const held = table.get(subject.text);
    if (!held) table.set(subject.text, c);
    else if (held.item && (!c.item || (held.item.subject.reply && !subject.reply))) table.set(subject.text, c);
  }
  const gone = new Set<Container>();
  const replaced = new Map<Container, Container>();
  for (const c of roots) {
    const subject = subjectOf(c);
    if (!subject || subject.text === '') continue;
    const held = table.get(subject.text) as Container;
    if (held === c) continue;
    gone.add(c);
    if (!held.item && !c.item) {
      for (const child of c.children) link(held, child);
      c.children = [];
    } else if (!held.item || (c.item && subject.reply && !held.item.subject.reply)) {
      link(held, c);
    } else {
      const dummy = container(null, 0, held.order);
      link(dummy, held);
      link(dummy, c);
      replaced.set(held, dummy);
      table.set(subject.text, dummy);
    }
  }
  const out: Container[] = [];
  for (const c of roots) {
    if (gone.has(c)) continue;
    const top = replaced.get(c) ?? c;
    top.parent = null;
    out.push(top);
  }
  return out;
}
