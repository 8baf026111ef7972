/**
 * Logins name mailboxes. A login that is an address (`bob@blue.com`) owns the mail
 * addressed to it; any other login is the catch-all and sees every message.
 */

/** The key of the catch-all mailbox. */
export const CATCH_ALL = '*';

/** Normalises a login or an envelope address to its mailbox key (addresses compare case-insensitively). */
export function mailboxKey(login: string): string {
  const trimmed = login.trim().toLowerCase();
  return trimmed.includes('@') ? trimmed : CATCH_ALL;
}

export function isCatchAll(login: string): boolean {
  return mailboxKey(login) === CATCH_ALL;
}

/**
 * The lock name an IMAP session holds its login by, shared with the other sessions of
 * it on any node: while it is held, no node forgets the login's folders (folders.ts).
 * `inbox` is the inbox's name, '' without inboxes.
 */
export function loginHoldName(inbox: string, login: string): string {
  return `folders ${inbox}/${mailboxKey(login)}`;
}
