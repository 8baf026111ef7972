/**
 * IMAP URLs to a message or a part of one (RFC 5092 §3, imessagepart), as CATENATE
 * takes them (RFC 4469 §3: relative to this server, or absolute naming it). Only
 * what CATENATE needs: no URLAUTH, no message lists, no search.
 */

export interface MessageUrl {
  /** The user an absolute URL names (RFC 5092 iuserinfo); undefined for a relative URL. */
  user: string | undefined;
  /** The mailbox name, percent-decoded (RFC 5092 §3.3: UTF-8, not modified UTF-7). */
  mailbox: string;
  uidValidity: number | undefined;
  uid: number;
  /** RFC 3501 section-text such as `1.MIME` or `HEADER.FIELDS (FROM)`, or ''. */
  section: string;
  partial: { start: number; length: number | undefined } | undefined;
}

/** `/mailbox[;UIDVALIDITY=n]/;UID=n[/;SECTION=s][/;PARTIAL=a[.b]]`, any case. */
const PATH = /^\/([^;]+?)(?:;UIDVALIDITY=([1-9]\d*))?\/;UID=([1-9]\d*)(?:\/;SECTION=([^/;]+))?(?:\/;PARTIAL=(\d+)(?:\.([1-9]\d*))?)?$/i;
/** `imap://[user[;AUTH=…]@]host[:port]` before the path. */
const SERVER = /^imap:\/\/(?:([^@/;]*)(?:;AUTH=[^@/]*)?@)?[^/@]+/i;

/** The URL's parts, or null when it is not a URL to a message or part (RFC 4469 §5: BADURL). */
export function parseMessageUrl(url: string): MessageUrl | null {
  let user: string | null | undefined;
  let path = url;
  const server = SERVER.exec(url);
  if (server) {
    // RFC 5092 §3.2: no user means an anonymous login, which is not this account.
    if (!server[1]) return null;
    user = decode(server[1]);
    path = url.slice(server[0].length);
  }
  const match = PATH.exec(path);
  if (!match || user === null) return null;
  const [, mailbox, validity, uid, section, start, length] = match;
  const name = decode(mailbox as string);
  const sectionText = section === undefined ? '' : decode(section);
  if (name === null || sectionText === null) return null;
  const numbers = [validity, uid, start, length].map((n) => (n === undefined ? undefined : Number(n)));
  if (numbers.some((n) => n !== undefined && n > 0xffffffff)) return null;
  return {
    user,
    mailbox: name,
    uidValidity: numbers[0],
    uid: numbers[1] as number,
    section: sectionText,
    partial: numbers[2] === undefined ? undefined : { start: numbers[2], length: numbers[3] },
  };
}

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
