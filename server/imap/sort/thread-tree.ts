/**
 * The shape THREAD answers with (RFC 5256 §4), and its wire form. Pure.
 */

/** One node of a thread: a message (its number) or, for a dummy, 0. */
export interface ThreadNode {
  /** Sequence number or UID; 0 for a dummy (a message referred to but not among the results). */
  number: number;
  children: ThreadNode[];
}

/**
 * thread-list = "(" (thread-members / thread-nested) ")": a chain of single children
 * is written as numbers in a row, two or more children as one parenthesised list
 * each. Written without recursion so a reply chain of any length cannot overflow the
 * stack.
 */
export function formatThreads(roots: readonly ThreadNode[]): string {
  let out = '';
  // Work items: a node to open as "(…)", or a literal closing parenthesis.
  const work: Array<ThreadNode | ')'> = [...roots].reverse();
  while (work.length > 0) {
    const item = work.pop() as ThreadNode | ')';
    if (item === ')') {
      out += ')';
      continue;
    }
    out += '(';
    let node = item;
    let first = true;
    // Follow the chain while each node has exactly one child.
    for (;;) {
      if (node.number !== 0) {
        out += first ? node.number : ` ${node.number}`;
        first = false;
      }
      if (node.children.length !== 1) break;
      node = node.children[0] as ThreadNode;
    }
    work.push(')');
    if (node.children.length > 0) {
      if (!first) out += ' ';
      for (let i = node.children.length - 1; i >= 0; i--) work.push(node.children[i] as ThreadNode);
    }
  }
  return out;
}
