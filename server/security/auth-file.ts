import { createHash, timingSafeEqual } from 'node:crypto';
import { readConfigText } from '../lib/config-file.js';
import { hasUnsafeCharacter } from './mailbox.js';
import { CheckedPasswords } from './checked-passwords.js';

/**
 * Credentials from an htpasswd-style file, one `user:secret` a line; `#` starts a
 * comment. A secret is a bcrypt hash (`$2a$`, `$2b$`, `$2y$`), `{SHA}` + base64 SHA-1
 * (Apache's), or plain text; another hash format (htpasswd's default `$apr1$`, crypt's
 * `$1$`, `$5$`, `$6$`, `$y$`) is refused when the file is read. Only plain secrets can
 * answer challenge mechanisms (CRAM-MD5, APOP), which need the password itself.
 */
export interface Credentials {
  /** True when `password` is right for `user`. */
  verify(user: string, password: string): Promise<boolean>;
  /** The plain secret of a user, for challenge-response mechanisms; undefined when hashed or unknown. */
  plainSecret(user: string): string | undefined;
  /**
   * Whether every user's secret is plain, so a challenge mechanism (CRAM-MD5, APOP) can
   * sign any of them in. Offered otherwise, it fails for the hashed ones, and a client
   * that picks the strongest mechanism offered (Postfix with Cyrus SASL) never falls
   * back: so it is offered only then (RFC 4954 §3: AUTH lists what can succeed).
   */
  readonly answersChallenges: boolean;
  readonly users: number;
}

export class AuthFileError extends Error {}

/** Larger than any real list of users; a bigger file is a mistake, not configuration. */
export const MAX_AUTH_FILE_BYTES = 1024 * 1024;

/** The formats a secret may take, for the error that refuses another one. */
const SUPPORTED = 'supported: bcrypt ($2a$, $2b$, $2y$, as htpasswd -B writes), {SHA} (htpasswd -s) and plain text';
/** A bcrypt hash as htpasswd -B writes it: prefix, cost 04–31, 22 characters of salt and 31 of hash in bcrypt's base64. */
const BCRYPT = /^\$2[aby]\$(?:0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;
/** `{SHA}` and the base64 of a 20-byte SHA-1 digest. */
const SHA = /^\{SHA\}[A-Za-z0-9+/]{27}=$/;
// C0 controls, DEL and C1 controls: a user name reaches log lines, and neither can be typed at a login prompt.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Reads the text of an auth file strictly; `source` names it in errors (`auth file
 * /etc/letterbox/users`). Each refusal names the line: a secret this cannot check is
 * refused here, at start, rather than at every login (or, worse, compared as plain
 * text, so that the hash itself would be the password).
 */
export function parseAuthFile(text: string, source = 'auth file'): Credentials {
  const secrets = new Map<string, string>();
  const lineOf = new Map<string, number>();
  const lines = text.split('\n');
  for (const [index, rawLine] of lines.entries()) {
    const at = `${source} line ${index + 1}`;
    // Only the CR of a CRLF line ending goes; everything else is the line as written.
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (CONTROL.test(line)) throw new AuthFileError(`${at}: holds a control character (a tab, a lone CR, …)`);
    const colon = line.indexOf(':');
    if (colon <= 0) throw new AuthFileError(`${at}: expected user:secret`);
    const user = line.slice(0, colon);
    const secret = line.slice(colon + 1);
    // White space at either end of a user or a secret is refused rather than kept or
    // stripped: it is invisible in an editor and htpasswd never writes it, so keeping it
    // makes a login fail with no clue why, and stripping it silently changes a password.
    if (/^\s|\s$/.test(user)) throw new AuthFileError(`${at}: the user name starts or ends with white space`);
    // A zero-width space or a BOM: no login can carry it (mailbox-sign-in.ts), so the user could never sign in.
    if (hasUnsafeCharacter(user)) throw new AuthFileError(`${at}: the user name ${shown(user)} holds an invisible character no login can carry`);
    if (secret === '') throw new AuthFileError(`${at}: the secret of ${shown(user)} is empty (an empty password is not a password)`);
    if (/^\s|\s$/.test(secret)) throw new AuthFileError(`${at}: the secret of ${shown(user)} starts or ends with white space, which is invisible in an editor; remove it`);
    const problem = secretProblem(secret);
    if (problem) throw new AuthFileError(`${at}: the secret of ${shown(user)} ${problem}`);
    const earlier = lineOf.get(user);
    if (earlier !== undefined) throw new AuthFileError(`${at}: the user ${shown(user)} is already on line ${earlier}; a user appears once`);
    lineOf.set(user, index + 1);
    secrets.set(user, secret);
  }
  return credentialsOf(secrets);
}

/**
 * Why a secret cannot be checked as written, or undefined when it can. A secret shaped
 * as a crypt(3) hash (`$id$…`: `$apr1$`, `$1$`, `$5$`, `$6$`, `$y$`, `$argon2id$`…) or an
 * LDAP scheme (`{SSHA}…`, `{MD5}…`) that is not one verified here is refused: taken as
 * plain text, the hash itself would be the password (pass-the-hash). A bcrypt or {SHA}
 * hash is checked whole, so a broken one fails here rather than at every login. (A
 * 13-character DES crypt cannot be told from a plain password; htpasswd has not written
 * one by default since Apache 2.2.18.)
 */
export function secretProblem(secret: string): string | undefined {
  if (/^\$2[a-z]?\$/.test(secret)) {
    return BCRYPT.test(secret) ? undefined : 'is not a valid bcrypt hash (expected $2a$, $2b$ or $2y$, a cost from 04 to 31, then 53 characters of ./A-Za-z0-9)';
  }
  if (secret.startsWith('{SHA}')) return SHA.test(secret) ? undefined : 'is not a valid {SHA} hash (expected {SHA} and 28 characters of base64)';
  const format = /^\$[^$]*\$|^\{[A-Za-z0-9._-]+\}/.exec(secret)?.[0];
  if (format !== undefined) return `is a hash in a format not supported, ${shown(format.length > 24 ? format.slice(0, 23) + '…' : format)} (${SUPPORTED})`;
  return undefined;
}

/**
 * Credentials from user → secret pairs, each secret written as in an auth file (plain,
 * bcrypt or {SHA}). `checked`: the pairs found right lately, kept across credentials
 * made anew from much the same secrets (the inboxes' directory makes them again at each
 * inbox made or removed); a pair counts only with the very secret it was checked against.
 */
export function credentialsOf(secrets: ReadonlyMap<string, string>, checked = new CheckedPasswords()): Credentials {
  // The costliest hash: an unknown user then takes as long as the slowest known one, not less.
  const decoy = [...secrets.values()]
    .filter(isBcrypt)
    .sort((a, b) => bcryptCost(b) - bcryptCost(a))[0]
    ?.replace(/^\$2y\$/, '$2b$');
  return {
    users: secrets.size,
    answersChallenges: [...secrets.values()].every((secret) => !isBcrypt(secret) && !secret.startsWith('{SHA}')),
    plainSecret: (user) => {
      const secret = secrets.get(user);
      return secret !== undefined && !isBcrypt(secret) && !secret.startsWith('{SHA}') ? secret : undefined;
    },
    verify: async (user, password) => {
      const secret = secrets.get(user);
      if (secret === undefined) {
        // Same work for unknown users as for known ones, so timing tells nothing: where
        // users have bcrypt hashes, one of them is checked (and its answer dropped).
        if (decoy !== undefined) await (await import('bcryptjs')).default.compare(password, decoy);
        else constantTimeEqual(password, password + '\0');
        return false;
      }
      if (isBcrypt(secret)) return checked.verify(user, password, secret, async () => (await import('bcryptjs')).default.compare(password, secret.replace(/^\$2y\$/, '$2b$')));
      if (secret.startsWith('{SHA}')) {
        return constantTimeEqual(createHash('sha1').update(password).digest('base64'), secret.slice(5));
      }
      return constantTimeEqual(password, secret);
    },
  };
}

/**
 * Reads an auth file: at most MAX_AUTH_FILE_BYTES of UTF-8. Read once, at start
 * (--smtp-auth-file, --ui-auth-file); a refusal stops the start with one line naming
 * the file and the line.
 */
export async function loadAuthFile(path: string): Promise<Credentials> {
  const text = await readConfigText(path, 'auth file', MAX_AUTH_FILE_BYTES, (message) => new AuthFileError(message));
  return parseAuthFile(text, `auth file ${path}`);
}

function isBcrypt(secret: string): boolean {
  return /^\$2[aby]\$\d\d\$/.test(secret);
}

/** The cost of a bcrypt hash: the two digits after its prefix (`$2b$10$…`). */
function bcryptCost(hash: string): number {
  return Number(hash.slice(4, 6));
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

/** A user name as an error shows it: JSON, cut short. */
function shown(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? text.slice(0, 57) + '…' : text;
}
