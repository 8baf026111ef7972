import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * Credentials from an htpasswd-style file, one `user:secret` a line; `#` starts a
 * comment. A secret is a bcrypt hash (`$2a$`, `$2b$`, `$2y$`), `{SHA}` + base64 SHA-1
 * (Apache's), or plain text. Only plain secrets can answer challenge mechanisms
 * (CRAM-MD5, APOP), which need the password itself.
 */
export interface Credentials {
  /** True when `password` is right for `user`. */
  verify(user: string, password: string): Promise<boolean>;
  /** The plain secret of a user, for challenge-response mechanisms; undefined when hashed or unknown. */
  plainSecret(user: string): string | undefined;
  readonly users: number;
}

export class AuthFileError extends Error {}

export function parseAuthFile(text: string): Credentials {
  const secrets = new Map<string, string>();
  for (const [index, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new AuthFileError(`auth file line ${index + 1}: expected user:password`);
    secrets.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return credentialsOf(secrets);
}

/** Credentials from user → secret pairs, each secret written as in an auth file (plain, bcrypt or {SHA}). */
export function credentialsOf(secrets: ReadonlyMap<string, string>): Credentials {
  return {
    users: secrets.size,
    plainSecret: (user) => {
      const secret = secrets.get(user);
      return secret !== undefined && !isBcrypt(secret) && !secret.startsWith('{SHA}') ? secret : undefined;
    },
    verify: async (user, password) => {
      const secret = secrets.get(user);
      if (secret === undefined) {
        // Same work for unknown users as for known ones, so timing tells nothing.
        constantTimeEqual(password, password + '\0');
        return false;
      }
      if (isBcrypt(secret)) return (await import('bcryptjs')).default.compare(password, secret.replace(/^\$2y\$/, '$2b$'));
      if (secret.startsWith('{SHA}')) {
        return constantTimeEqual(createHash('sha1').update(password).digest('base64'), secret.slice(5));
      }
      return constantTimeEqual(password, secret);
    },
  };
}

export async function loadAuthFile(path: string): Promise<Credentials> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AuthFileError(`cannot read auth file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseAuthFile(text);
}

function isBcrypt(secret: string): boolean {
  return /^\$2[aby]\$\d\d\$/.test(secret);
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}
