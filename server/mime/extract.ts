/** Links and likely one-time codes found in a message, for GET /api/v1/message/{ID}/extract. */
export interface Extracted {
  Links: string[];
  Codes: string[];
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'()\[\]{}]+/gi;
/** Words near a code that say it is one (English and a few common languages). */
const CODE_CONTEXT = /(code|otp|pin|token|passcode|password|verif|confirm|one[- ]time|2fa|mfa|sign[- ]in|log[- ]?in|security|kod|código|codice|验证码)/i;

/** The links of a message (extractLinks) and its likely one-time codes (extractCodes). */
export function extractLinksAndCodes(text: string, html: string, subject: string): Extracted {
  return { Links: extractLinks(text, html), Codes: extractCodes(text, subject) };
}

/** The http(s) links of the HTML (href/src) and the text, in order of appearance, de-duplicated. */
export function extractLinks(text: string, html: string): string[] {
  const links: string[] = [];
  const seenLinks = new Set<string>();
  const addLink = (raw: string) => {
    const link = decodeHtmlAttr(raw).replace(/[.,;:!?]+$/, '');
    if (!/^https?:\/\//i.test(link) || seenLinks.has(link)) return;
    seenLinks.add(link);
    links.push(link);
  };
  for (const match of html.matchAll(/\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) addLink(match[1] ?? match[2] ?? '');
  for (const match of text.matchAll(URL_PATTERN)) addLink(match[0]);
  return links;
}

/**
 * 4–8 digit numbers (also written `123 456` or `123-456`) or 6–10 character
 * upper-case/digit tokens, kept only when a word like "code" or "verify" stands within
 * the same sentence or line, so dates and prices do not pass as codes.
 */
function extractCodes(text: string, subject: string): string[] {
  const codes: string[] = [];
  const seenCodes = new Set<string>();
  const plain = text.replace(URL_PATTERN, ' ');
  for (const chunk of [subject, ...plain.split(/\r?\n|(?<=[.!?])\s+/)]) {
    if (!CODE_CONTEXT.test(chunk)) continue;
    for (const match of chunk.matchAll(/(?<![\w-])(\d{3}[ -]\d{3}|\d{4,8}|(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,10})(?![\w-])/g)) {
      const code = (match[1] ?? '').replace(/[ -]/g, '');
      if (/^(19|20)\d\d$/.test(code) || seenCodes.has(code)) continue;
      seenCodes.add(code);
      codes.push(code);
    }
  }
  return codes;
}

function decodeHtmlAttr(value: string): string {
  return value.replace(/&amp;/gi, '&').replace(/&quot;/gi, '"').replace(/&#39;/g, "'").trim();
}
