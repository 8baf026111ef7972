/** The system flags a client may set (RFC 3501 §2.3.2); \Recent is the server's own. */
export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;

const CANONICAL = new Map([...SYSTEM_FLAGS, '\\Recent'].map((flag) => [flag.toLowerCase(), flag]));

/**
 * A system flag in its one spelling (flags are atoms, so `\seen` is `\Seen`), or
 * undefined for a `\` flag the RFC does not define: a server must not report such a
 * flag-extension (RFC 3501 §9), so it is not stored either.
 */
export function canonicalSystemFlag(flag: string): string | undefined {
  return CANONICAL.get(flag.toLowerCase());
}
