/** What the mailbox commands share: reading a mailbox name, answering a folder error, a name as text. */
import { normaliseFolderName, type FolderError } from '../../store/folders.js';
import { no, type Status } from '../command.js';
import { decodeMailboxName, NotAMailboxName } from '../mailbox-name.js';
import type { Reader } from '../parser.js';
import type { Session } from '../session.js';

/** A mailbox argument (astring), in Unicode with INBOX in its one spelling (BAD or NO when not a name, see decodeMailboxName). */
export function readMailbox(r: Reader, session: Session): string {
  return normaliseFolderName(decodeMailboxName(r.astringBytes(), session.utf8));
}

/**
 * A LIST/LSUB pattern (list-mailbox), read as a name is: `%` and `*` are printable ASCII,
 * so they stand for themselves. Null for a pattern not spelt as modified UTF-7: no
 * mailbox name's spelling holds what it holds, so it matches none (NotAMailboxName).
 */
export function readMailboxPattern(r: Reader, session: Session): string | null {
  const bytes = r.listMailbox();
  try {
    return normaliseFolderName(decodeMailboxName(bytes, session.utf8));
  } catch (error) {
    if (error instanceof NotAMailboxName) return null;
    throw error;
  }
}

/** The tagged NO for a folder operation the store refused (RFC 5530 response codes). */
export function folderError(error: FolderError, name: string): Status {
  switch (error) {
    case 'exists':
      return no(`Mailbox ${name} already exists`, 'ALREADYEXISTS');
    case 'missing':
      return no(`No mailbox ${name}`, 'NONEXISTENT');
    case 'protected':
      return no(`Mailbox ${name} cannot be changed`, 'CANNOT');
    case 'invalid':
      return no(`Invalid mailbox name ${name}`, 'CANNOT');
    case 'limit':
      return no(`Too many subscriptions to add ${name}`, 'LIMIT');
  }
}

/** A wire name (string or UTF-8 bytes) as text for a response line. */
export function toText(part: string | Buffer): string {
  return typeof part === 'string' ? part : part.toString('utf8');
}
