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
  const rules = patterns.map((pattern) => compileRule(pattern.trim().toLowerCase()));
  return {
    patterns: [...patterns],
    allows(address) {
      const lower = address.toLowerCase();
      const at = lower.lastIndexOf('@');
      if (at <= 0 || at === lower.length - 1) return false;
      const domain = lower.slice(at + 1);
      return rules.some((rule) => rule(lower, domain));
    },
  };
}

function compileRule(pattern: string): (address: string, domain: string) => boolean {
  if (pattern.startsWith('*@')) {
    const domain = pattern.slice(2);
    return (_address, d) => d === domain;
  }
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    return (_address, d) => d.endsWith(suffix);
  }
  if (pattern.includes('@')) return (address) => address === pattern;
  return (_address, d) => d === pattern;
}

/**
 * The same patterns as one regular expression over the lower-cased address, the form
 * Mailpit's `/api/v1/webui` reports its allowlist in ('' when there is none).
 */
export function allowListRegex(patterns: readonly string[]): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = patterns.map((raw) => {
    const pattern = raw.trim().toLowerCase();
    if (pattern.startsWith('*@')) return `@${escape(pattern.slice(2))}$`;
    if (pattern.startsWith('*.')) return `@.+\\.${escape(pattern.slice(2))}$`;
    if (pattern.includes('@')) return `^${escape(pattern)}$`;
    return `@${escape(pattern)}$`;
  });
  return parts.join('|');
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

/**
 * Whether a pattern is one of the forms compileAllowList knows. Anything else (a
 * trailing dot, a second @, a wildcard inside) would match no one, without a word.
 */
export function isAllowPattern(raw: string): boolean {
  const pattern = raw.trim();
  if (pattern.startsWith('*@') || pattern.startsWith('*.')) return DOMAIN_ONLY.test(pattern.slice(2));
  if (pattern.includes('@')) return isDeliverableAddress(pattern);
  return DOMAIN_ONLY.test(pattern);
}
