/**
 * Which recipients release may send to. Patterns, case-insensitive:
 * `blue.com` and `*@blue.com` (anyone at blue.com), `*.blue.com` (anyone at a
 * subdomain of blue.com), `bob@blue.com` (that address only).
 */
import { isMailbox, isMailDomain } from './mailbox.js';

export interface AllowList {
  /** Whether release may send to this address. */
  allows(address: string): boolean;
  /** The patterns, as configured. */
  readonly patterns: readonly string[];
}

export function compileAllowList(patterns: readonly string[]): AllowList {
  const rules = allowRules(patterns);
  return {
    patterns: [...patterns],
    allows(address) {
      const lower = address.toLowerCase();
      const at = lower.lastIndexOf('@');
      if (at <= 0 || at === lower.length - 1) return false;
      const domain = lower.slice(at + 1);
      return rules.some(({ kind, value }) => (kind === 'address' ? lower === value : kind === 'domain' ? domain === value : domain.endsWith('.' + value)));
    },
  };
}

/** One allow-list pattern, read: an address, a domain, or every subdomain of one. */
export interface AllowRule {
  kind: 'address' | 'domain' | 'subdomains';
  /** Lower-cased; for domain kinds the domain itself. */
  value: string;
}

/**
 * Reads a pattern (`blue.com`, `*@blue.com`, `*.blue.com`, `bob@blue.com`); undefined
 * for anything else (a trailing dot, a second @, a wildcard inside), which would
 * otherwise match no one without a word.
 */
function parseAllowPattern(raw: string): AllowRule | undefined {
  const pattern = raw.trim().toLowerCase();
  if (pattern.startsWith('*@')) return isMailDomain(pattern.slice(2)) ? { kind: 'domain', value: pattern.slice(2) } : undefined;
  if (pattern.startsWith('*.')) return isMailDomain(pattern.slice(2)) ? { kind: 'subdomains', value: pattern.slice(2) } : undefined;
  if (pattern.includes('@')) return isMailbox(pattern) ? { kind: 'address', value: pattern } : undefined;
  return isMailDomain(pattern) ? { kind: 'domain', value: pattern } : undefined;
}

/** The patterns as rules, those of no known form left out (for callers that index many lists at once). */
export function allowRules(patterns: readonly string[]): AllowRule[] {
  return patterns.map(parseAllowPattern).filter((rule): rule is AllowRule => rule !== undefined);
}

/** Whether a pattern is one of the forms the allow-list knows. */
export function isAllowPattern(raw: string): boolean {
  return parseAllowPattern(raw) !== undefined;
}

/**
 * The same patterns as one regular expression over the lower-cased address, the form
 * Mailpit's `/api/v1/webui` reports its allowlist in ('' when there is none).
 */
export function allowListRegex(patterns: readonly string[]): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const rules = allowRules(patterns);
  return rules
    .map(({ kind, value }) => (kind === 'address' ? `^${escape(value)}$` : kind === 'domain' ? `@${escape(value)}$` : `@.+\\.${escape(value)}$`))
    .join('|');
}

/** The domain of an address (after the last `@`), lower-cased. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
