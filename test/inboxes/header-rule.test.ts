import { describe, expect, it } from 'vitest';
import { compileHeaderRule, type HeaderRule } from '../../server/inboxes/header-rule.js';

/** The reason a rule is refused, or undefined when it is compiled (nothing is matched here, so a test never runs a catastrophic pattern). */
const refused = (rule: string): string | undefined => {
  const result = compileHeaderRule('X-A', rule);
  return typeof result === 'string' ? result : undefined;
};
const compiled = (rule: string): HeaderRule => {
  const result = compileHeaderRule('X-A', rule);
  if (typeof result === 'string') throw new Error(`refused: ${result}`);
  return result;
};

describe('a header rule', () => {
  it.each([
    // The audit's: 24 'a' and '!' held the event loop for 38 s.
    ['/^(a?a?)+$/', /repeats a group that itself repeats, has an optional part or alternates/],
    ['/^(aa?)+$/', /repeats a group/],
    ['/^(\\w\\w?)+$/', /repeats a group/],
    ['/(a+)+/', /repeats a group/],
    ['/(a|a)*/', /repeats a group/],
    ['/(a|aa)+/', /repeats a group/],
    ['/(.*a){10}/', /repeats a group/],
    ['/(a?){20}a{20}/', /repeats a group/],
    ['/(?:a|b?)+$/', /repeats a group/],
    ['/((ab)?c)*/', /repeats a group/],
    ['/(ab?){2,}/', /repeats a group/],
    ['/^(a|b)+?$/', /repeats a group/],
    ['/.*.*x/', /repeats more than once/],
    ['/a+b*/', /repeats more than once/],
    [`/${'a?'.repeat(40)}${'a'.repeat(40)}/`, /too many alternatives and optional parts \(more than 1024 ways/],
    [`/${'(a|a)'.repeat(11)}b/`, /too many alternatives/],
    ['/(a|a)(a|a)(a|a)(a|a).*b/', /too many alternatives and optional parts \(more than 8 ways to try beside a repetition/],
    ['/a?b?c?d?.*/', /too many alternatives/],
    ['/(a)\\1/', /back-reference/],
    ['/(?<x>a)\\k<x>/', /back-reference/],
    ['/(?=a)a/', /lookahead, a lookbehind/],
    ['/(?!a)b/', /lookahead, a lookbehind/],
    ['/(?<=a)b/', /lookahead, a lookbehind/],
    ['/(?<!a)b/', /lookahead, a lookbehind/],
  ])('refuses %s, which can backtrack without bound', (rule, reason) => {
    expect(refused(rule)).toMatch(reason);
  });

  it.each([
    ['/^staging-/', 'staging-42', 'prod-1'],
    ['/(foo|bar)-\\d+/', 'x-bar-12', 'bar-x'],
    ['/^(staging|prod)$/i', 'PROD', 'production'],
    ['/^srs-.*$/', 'srs-anything', 'xsrs-'],
    ['/^https?:\\/\\/.*/', 'https://a.test', 'ftp://a.test'],
    ['/^(?:dev|qa|staging|prod|preview|test|demo|uat|perf)$/', 'uat', 'uatx'],
    ['/^(?<env>dev|prod)-(a|b)?$/', 'dev-', 'dev-c'],
    ['/^v[0-9]+\\.x$/', 'v12.x', 'v.x'],
    ['/^[()|*+?]+$/', '(|)*', 'a'],
    ['/^a{2}-b$/', 'aa-b', 'a-b'],
    ['/^{literal}$/', '{literal}', 'literal'],
  ])('keeps %s, as rules are written', (rule, yes, no) => {
    const header = compiled(rule);
    expect(header.matches(yes)).toBe(true);
    expect(header.matches(no)).toBe(false);
  });

  // Catastrophic backtracking on these headers would take far longer than any test timeout:
  // a regression shows as this test timing out, not as a timed assertion.
  it('answers an accepted rule on a long hostile header', () => {
    for (const rule of ['/(foo|bar)-\\d+!/', '/(a|a)(a|a)(a|b).*!/', `/${'(a|a)'.repeat(10)}!/`, '/a?.*!$/']) {
      const header = compiled(rule);
      expect(header.matches('a'.repeat(2000)), rule).toBe(false);
      expect(header.matches('foo-' + '1'.repeat(2000)), rule).toBe(false);
    }
  });
});
