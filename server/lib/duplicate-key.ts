/**
 * RFC 8259 §4 leaves an object whose names repeat to the reader, and JSON.parse keeps
 * the last: `{"IDs":["x"],"IDs":[]}` would read as `{"IDs":[]}`, which deletes every
 * message. The API refuses such a body instead; this finds the first name that repeats
 * within one object, in one pass over text JSON.parse has already accepted.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function firstDuplicateKey(json: string): string | undefined {
  // One entry per open object (its names so far) or array (null).
  const open: Array<Set<string> | null> = [];
  let nameNext = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(json, i);
      if (nameNext) {
        const literal = json.slice(i, end + 1);
        const name = literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
        const names = open[open.length - 1] as Set<string>;
        if (names.has(name)) return name;
        names.add(name);
        nameNext = false;
      }
      i = end;
    } else if (c === 0x7b) {
      open.push(new Set());
      nameNext = true;
    } else if (c === 0x5b) {
      open.push(null);
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
    } else if (c === 0x2c) {
      nameNext = open[open.length - 1] instanceof Set;
    }
  }
  return undefined;
}

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return json.length;
}
