/**
 * SASL for POP3 AUTH (RFC 5034): PLAIN (RFC 4616) and LOGIN, with an optional
 * initial response. Decoding only; checking the credentials is sign-in.ts's job.
 */

/** RFC 5034 §4: `*` from the client cancels the exchange. */
export const CANCEL = '*';

/** Strict base64 (RFC 4648 §4); `=` alone is an empty initial response (RFC 5034 §4). */
export function decodeBase64(text: string): Buffer | undefined {
  if (text === '=') return Buffer.alloc(0);
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

export interface PlainCredentials {
  authzid: string;
  user: string;
  password: string;
}

/** RFC 4616 §2: `[authzid] NUL authcid NUL passwd`. */
export function parsePlain(message: Buffer): PlainCredentials | undefined {
  const parts = message.toString('utf8').split('\0');
  if (parts.length !== 3) return undefined;
  const [authzid, user, password] = parts as [string, string, string];
  if (!user) return undefined;
  return { authzid, user, password };
}

/** The LOGIN mechanism's prompts, base64 of `Username:` and `Password:`. */
export const LOGIN_USER_PROMPT = Buffer.from('Username:').toString('base64');
export const LOGIN_PASSWORD_PROMPT = Buffer.from('Password:').toString('base64');

export const MECHANISMS = ['PLAIN', 'LOGIN'] as const;
