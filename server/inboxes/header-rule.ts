/**
 * Header rules of an inbox (`"headers": { "X-Application": "srs" }`): the first value
 * of the field, unfolded and trimmed, equals the text exactly, or matches `/regex/`
 * (`/regex/i` ignores case).
 *
 * A regular expression from the file runs on every message, so it is kept from
 * backtracking without bound (a ReDoS): it is short, has no back-references, no
 * quantified group that itself holds a quantifier or an alternation (`(a+)+`, `(a|a)*`), at most one
 * repetition (`.*.*x` is polynomial: seconds per message on a 998-character value, minutes with a third),
 * and it only ever sees the first MAX_VALUE characters of a field.
 */
const MAX_PATTERN = 256;
/** RFC 5322 §2.1.1: a line is at most 998 characters; longer values are cut before matching. */
const MAX_VALUE = 998;

export interface HeaderRule {
  /** The field name as written in the file. */
  readonly field: string;
  /** As written: the exact text, or `/regex/`. */
  readonly rule: string;
  matches(value: string | undefined): boolean;
}

/** The rule, or the reason it is refused. */
export function compileHeaderRule(field: string, rule: string): HeaderRule | string {
  const regex = /^\/(.*)\/(i?)$/s.exec(rule);
  if (!regex) return { field, rule, matches: (value) => value === rule };
  const source = regex[1] as string;
  if (source.length > MAX_PATTERN) return `the regular expression is longer than ${MAX_PATTERN} characters`;
  const unsafe = unsafeReason(source);
  if (unsafe) return `the regular expression ${unsafe}`;
  let compiled: RegExp;
  try {
    compiled = new RegExp(source, regex[2]);
  } catch (error) {
    return `not a regular expression: ${(error as Error).message}`;
  }
  return { field, rule, matches: (value) => value !== undefined && compiled.test(value.slice(0, MAX_VALUE)) };
}

/** Why a pattern could backtrack without bound, or '' when it cannot in the ways checked. */
function unsafeReason(source: string): string {
  if (/\\[1-9]|\\k</.test(source)) return 'uses a back-reference';
  // A group with a quantifier or an alternation inside, itself quantified: the classic
  // exponential forms ((a+)+, (a|a)*).
  const stack: boolean[] = [];
  let quantifiedInside = false;
  let repeats = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      // A character class holds no quantifier; skip to its end.
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      continue;
    }
    if (c === '(') {
      stack.push(quantifiedInside);
      quantifiedInside = false;
    } else if (c === ')') {
      const inner: boolean = quantifiedInside;
      quantifiedInside = (stack.pop() ?? false) || inner;
      if (inner && /^[*+{]/.test(source.slice(i + 1))) return 'repeats a group that itself repeats or alternates (as (a+)+ or (a|a)*), which can take exponential time';
    } else if (c === '*' || c === '+' || c === '{' || c === '|') {
      quantifiedInside = true;
      if (c !== '|') repeats++;
    }
  }
  // Each further repetition multiplies the ways a failing match is tried (O(n^k) on an unanchored test).
  if (repeats > 1) return 'repeats more than once (as .*.*x), which can take seconds per message on a long header';
  return '';
}
