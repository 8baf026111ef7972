/**
 * Header rules of an inbox (`"headers": { "X-Application": "srs" }`): the first value
 * of the field, unfolded and trimmed, equals the text exactly, or matches `/regex/`
 * (`/regex/i` ignores case).
 *
 * A regular expression from the file runs on every message, and any SMTP sender writes
 * the header, so it is kept from backtracking without bound (a ReDoS): it is short, has
 * no back-references or lookarounds, no repeated group that itself holds a quantifier
 * (`?` included) or an alternation (`(a+)+`, `(a?a?)+`, `(a|a)*`), at most one repetition
 * (`.*.*x` is polynomial: seconds per message on a 998-character value, minutes with a
 * third), a bounded number of choices (`a?a?a?…`), and it only ever sees the first
 * MAX_VALUE characters of a field. See unsafeReason.
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

/**
 * Most ways a failing match may be tried (see unsafeReason), beside one repetition (`*`,
 * `+`, `{n,m}`) and without any. Measured on a 998-character header with branches that
 * all match (`(a|a)(a|a)(a|a).*b`, `(a|a)×10 b`): 8 ways beside a `.*` and 1,024 ways
 * without take tens of milliseconds; each doubling beyond doubles that.
 */
const MAX_WAYS_WITH_REPEAT = 8;
const MAX_WAYS = 1024;

/**
 * Why a pattern could backtrack without bound, or '' when it cannot in the ways checked.
 *
 * V8's regular expressions backtrack, and nothing stops a match that fails: the time is
 * the number of ways the pattern can split the text. The rules, each erring on the side of
 * refusing:
 * - A repeated group (`*`, `+`, `{n,m}` after `)`) may hold no quantifier (`*`, `+`, `?`,
 *   `{…}`) and no `|`: otherwise each pass of the outer repetition can split its share of
 *   the text again, 2^n ways for n characters (`(a+)+`, `(a?a?)+`, `(a|aa)+`, `(.*a){10}`).
 *   Checking whether the inner branches really overlap is the hard problem itself, so
 *   any quantifier or `|` inside is enough. A `?` after a group is not a repetition (it
 *   runs the group once or not) and counts as a choice below.
 * - At most one repetition in the whole pattern: each further one multiplies the work by
 *   the length of the text (`.*.*x`: O(n^3) on an unanchored test).
 * - Choices multiply too, by the pattern's length rather than the text's: `a?` ×40 then
 *   `a` ×40 is 2^40 ways. Each `?` doubles the ways and each group of k branches
 *   multiplies them by k (an upper bound: branches that cannot match the same text fail
 *   fast); the product is kept under MAX_WAYS, or MAX_WAYS_WITH_REPEAT beside a repetition.
 * - Back-references and lookarounds are refused: what they cost is not bounded by the
 *   rules above, and a header rule has no need of them.
 */
function unsafeReason(source: string): string {
  if (/\\[1-9]|\\k</.test(source)) return 'uses a back-reference';
  /** Per open group: whether it holds a quantifier or a `|`, and its `|` at its own level. */
  interface Frame {
    inner: boolean;
    bars: number;
  }
  const stack: Frame[] = [];
  let frame: Frame = { inner: false, bars: 0 };
  let repeats = 0;
  let ways = 1;
  /** The length of a quantifier starting at i (0 when none), its lazy `?` included. */
  const quantifierAt = (i: number): { length: number; repeats: boolean } => {
    const c = source[i];
    let length = 0;
    let repeating = true;
    if (c === '*' || c === '+') length = 1;
    else if (c === '?') [length, repeating] = [1, false];
    else if (c === '{') length = /^\{\d+(?:,\d*)?\}/.exec(source.slice(i))?.[0].length ?? 0; // otherwise a literal '{'
    if (length > 0 && source[i + length] === '?') length++;
    return { length, repeats: repeating };
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      // A character class holds no quantifier; skip to its end.
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    } else if (c === '(') {
      if (source[i + 1] === '?') {
        const kind = /^\(\?(?::|<[A-Za-z_$][\w$]*>)/.exec(source.slice(i))?.[0];
        if (kind === undefined) return 'uses a lookahead, a lookbehind or another (?…) group, which is refused (only (…), (?:…) and (?<name>…) are)';
        i += kind.length - 1;
      }
      stack.push(frame);
      frame = { inner: false, bars: 0 };
      continue;
    } else if (c === ')') {
      const closed = frame;
      frame = stack.pop() ?? { inner: false, bars: 0 };
      ways *= closed.bars + 1;
      const inner = closed.inner || closed.bars > 0;
      const after = quantifierAt(i + 1);
      if (inner && after.length > 0 && after.repeats) {
        return 'repeats a group that itself repeats, has an optional part or alternates (as (a+)+, (a?a?)+ or (a|a)*), which can take exponential time';
      }
      frame.inner ||= inner;
    } else if (c === '|') {
      frame.bars++;
      continue;
    }
    // A quantifier on what ended at i (a character, an escape, a class or a group).
    const quantifier = quantifierAt(i + 1);
    if (quantifier.length === 0) continue;
    frame.inner = true;
    if (quantifier.repeats) repeats++;
    else ways *= 2;
    i += quantifier.length;
  }
  ways *= frame.bars + 1;
  // Each further repetition multiplies the ways a failing match is tried (O(n^k) on an unanchored test).
  if (repeats > 1) return 'repeats more than once (as .*.*x), which can take seconds per message on a long header';
  const most = repeats > 0 ? MAX_WAYS_WITH_REPEAT : MAX_WAYS;
  if (ways > most) return `has too many alternatives and optional parts (more than ${most} ways to try${repeats > 0 ? ' beside a repetition' : ''}, as a?a?a?… or (a|b)(c|d)…), which can take exponential time`;
  return '';
}
