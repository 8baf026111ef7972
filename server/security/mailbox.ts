/**
 * The one reading of a mailbox (RFC 5321 §4.1.2 `Mailbox = Local-part "@" Domain`) for
 * every address Letterbox writes into an SMTP command line it sends: release
 * recipients (API, web inbox, auto-release), the release sender, the smarthost's
 * MAIL FROM and the allow-list's address patterns.
 *
 * The SMTP front reads MAIL FROM and RCPT TO with smtp-server's strict parser; this
 * follows the same rules, so an address caught over SMTP can be released, and adds
 * what release needs on top: a domain name to look up (no address literal), in ASCII.
 * Anything that could end or extend a command line (CR, LF, NUL, any control
 * character) is refused outright, never trimmed away.
 */

/**
 * C0 and C1 controls, DEL, and the invisible format characters (zero-width space,
 * word joiner, BOM): the set smtp-server refuses in MAIL FROM and RCPT TO. None has a
 * place in an address; CR and LF would start a second command (RFC 5321 §2.3.8).
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u200b\u2060\ufeff]/;

/** A host name as mail uses it: dot-separated LDH labels, no trailing dot (RFC 5321 §4.1.2 Domain). */
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * A Dot-string local part (RFC 5321 §4.1.2) of atext, UTF-8 allowed (RFC 6531 §3.3):
 * no space, no specials, no quoted string, no dot at either end or twice in a row.
 */
const LOCAL_PART = /^[^\s<>()[\],;:@\\".]+(?:\.[^\s<>()[\],;:@\\".]+)*$/;

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so `<` + mailbox + `>` fits. */
const MAX_MAILBOX = 254;
/** RFC 5321 §4.5.3.1.1, §4.5.3.1.2. */
const MAX_LOCAL_PART = 64;
const MAX_DOMAIN = 253;
const MAX_LABEL = 63;

/** Whether the text holds a character that has no place on a command line or in an address. */
export function hasUnsafeCharacter(text: string): boolean {
  return UNSAFE.test(text);
}

/** Whether `text` is a host name mail can be sent to (ASCII labels of at most 63 octets). */
export function isMailDomain(text: string): boolean {
  return text.length <= MAX_DOMAIN && DOMAIN.test(text) && text.split('.').every((label) => label.length <= MAX_LABEL);
}

/** Why `text` is not a mailbox release can put on a MAIL FROM or RCPT TO line, or undefined when it is one. */
export function mailboxProblem(text: string): string | undefined {
  if (hasUnsafeCharacter(text)) return 'it holds a control character';
  if (Buffer.byteLength(text) > MAX_MAILBOX) return `it is longer than ${MAX_MAILBOX} octets`;
  const at = text.lastIndexOf('@');
  if (at < 0) return 'it has no @';
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (!LOCAL_PART.test(local) || Buffer.byteLength(local) > MAX_LOCAL_PART) return `"${local}" is not a local part`;
  if (!isMailDomain(domain)) return `"${domain}" is not a domain name`;
  return undefined;
}

export function isMailbox(text: string): boolean {
  return mailboxProblem(text) === undefined;
}

/**
 * A recipient as an API caller may write it: `bob@blue.com`, `<bob@blue.com>` or
 * `Bob <bob@blue.com>` (RFC 5322 §3.4 name-addr). The whole text is checked for unsafe
 * characters first, so nothing outside the angle brackets can smuggle a line past
 * the check. Returns the bare mailbox, or undefined.
 */
export function readRecipient(text: string): string | undefined {
  if (hasUnsafeCharacter(text)) return undefined;
  const trimmed = trimBlanks(text);
  const angle = /<([^<>]*)>$/.exec(trimmed);
  const address = trimBlanks(angle ? (angle[1] as string) : trimmed);
  return isMailbox(address) ? address : undefined;
}

/**
 * Spaces around an address (a tab is refused as unsafe before). String trim() would
 * also take U+2028 or U+00A0 off the end and send to another address than the one written.
 */
function trimBlanks(text: string): string {
  // Index loops, not /^ +| +$/: that regex tries the end anchor from every space of a long run (quadratic).
  let [start, end] = [0, text.length];
  while (start < end && text.charCodeAt(start) === 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) === 0x20) end--;
  return text.slice(start, end);
}

/** The text with control characters shown as `\uXXXX`, for quoting a refused value back. */
export function printable(text: string): string {
  return text.replace(new RegExp(UNSAFE.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
