import type { FolderInfo } from '../store/folders.js';
import { no, type Status } from './command.js';

/*
 * Keywords (RFC 3501 §2.3.2) are made by clients at will, and each new one joins the
 * FLAGS and PERMANENTFLAGS every session with the mailbox selected is sent (§7.2.6),
 * so they are bounded; a client past a bound gets NO [LIMIT] (RFC 5530 §3: "the number
 * of flags used in a mailbox"), and nothing is set.
 */

/**
 * Octets in a keyword. Dovecot refuses keywords past its mail_max_keyword_length, 50 by
 * default; twice that leaves room for any keyword clients really set ($Forwarded,
 * $MDNSent, $Junk, a Thunderbird tag).
 */
export const MAX_KEYWORD_LENGTH = 100;

/**
 * Distinct keywords in a mailbox. Cyrus allows 128 user flags per mailbox and Dovecot's
 * Maildir 26; this is twice Cyrus'. Once a mailbox has this many, PERMANENTFLAGS no
 * longer lists `\*` (RFC 3501 §7.1: new keywords cannot be made) and a keyword past them
 * is refused. The FLAGS list stays small (at most about 26 KB) however a client goes on.
 */
export const MAX_KEYWORDS = 256;

/** NO [LIMIT] when setting `flags` in a mailbox whose keywords are `known` would pass a bound above; else null. */
export function keywordLimit(known: ReadonlySet<string>, flags: Iterable<string>): Status | null {
  const added = new Set<string>();
  for (const flag of flags) {
    if (flag.startsWith('\\') || known.has(flag)) continue;
    if (flag.length > MAX_KEYWORD_LENGTH) return no(`A keyword is at most ${MAX_KEYWORD_LENGTH} octets`, 'LIMIT');
    added.add(flag);
  }
  if (added.size > 0 && known.size + added.size > MAX_KEYWORDS) return no(`A mailbox has at most ${MAX_KEYWORDS} keywords`, 'LIMIT');
  return null;
}

/** The keywords a folder's messages carry. */
export function folderKeywords(folder: FolderInfo): Set<string> {
  const keywords = new Set<string>();
  for (const entry of folder.entries) for (const flag of entry.message.flags) if (!flag.startsWith('\\')) keywords.add(flag);
  return keywords;
}
