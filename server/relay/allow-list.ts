/**
 * Which recipients release may send to. Patterns, case-insensitive:
 * `blue.com` and `*@blue.com` (anyone at blue.com), `*.blue.com` (anyone at a
 * subdomain of blue.com), `bob@blue.com` (that address only).
 */
export interface AllowList {
  /** Whether release may send to this address. */
  allows(address: string): boolean;
  /** The patterns, as configured. */
  readonly patterns: readonly string[];
}

export function compileAllowList(patterns: readonly string[]): AllowList {
  const rules = patterns.map(parseAllowPattern).filter((rule): rule is AllowRule => rule !== undefined);
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
interface AllowRule {
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
  if (pattern.startsWith('*@')) return DOMAIN_ONLY.test(pattern.slice(2)) ? { kind: 'domain', value: pattern.slice(2) } : undefined;
  if (pattern.startsWith('*.')) return DOMAIN_ONLY.test(pattern.slice(2)) ? { kind: 'subdomains', value: pattern.slice(2) } : undefined;
  if (pattern.includes('@')) return isDeliverableAddress(pattern) ? { kind: 'address', value: pattern } : undefined;
  return DOMAIN_ONLY.test(pattern) ? { kind: 'domain', value: pattern } : undefined;
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
  const rules = patterns.map(parseAllowPattern).filter((rule): rule is AllowRule => rule !== undefined);
  return rules
    .map(({ kind, value }) => (kind === 'address' ? `^${escape(value)}$` : kind === 'domain' ? `@${escape(value)}$` : `@.+\\.${escape(value)}$`))
    .join('|');
}

/** The domain of an address (after the last `@`), lower-cased. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** A host name as mail uses it: dot-separated LDH labels, no trailing dot (RFC 5321 §4.1.2 Domain). */
const DOMAIN = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*';
const DOMAIN_ONLY = new RegExp(`^${DOMAIN}$`, 'i');
const MAILBOX = new RegExp(`^[^\\s<>()\\[\\],;:@\\\\"\\x00-\\x1f\\x7f]+@${DOMAIN}$`, 'i');

/**
 * A mailbox as release accepts it: local@domain, no spaces, brackets, or control
 * characters (they would break the SMTP command line or inject a second one).
 */
export function isDeliverableAddress(address: string): boolean {
  return address.length <= 254 && MAILBOX.test(address);
}
