/**
 * RFC 5322 §3.4 address lists parsed into the shape IMAP's ENVELOPE needs
 * (RFC 3501 §7.4.2): mailboxes with display name, source route, local part and
 * domain, and groups kept as start/end markers. Display names stay as written
 * (encoded-words undecoded, quotes removed). Lenient, never throws.
 */

export type AddressEntry =
  | { kind: 'mailbox'; name: string | undefined; route: string | undefined; mailbox: string; host: string }
  | { kind: 'group-start'; name: string }
  | { kind: 'group-end' };

/** What reference servers put where RFC 5322 requires a part the address lacks. */
export const MISSING_MAILBOX = 'MISSING_MAILBOX';
export const MISSING_DOMAIN = 'MISSING_DOMAIN';

type Token =
  | { t: 'atom'; v: string }
  | { t: 'quoted'; v: string }
  | { t: 'comment'; v: string }
  | { t: 'literal'; v: string }
  | { t: 'special'; v: string };

const SPECIALS = '<>@,;:.';
const ATOM = /[^\s()<>@,;:\\".[\]]+/y;
const MAX_TOKENS = 10_000;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  // The next "]" (-1: none left), remembered so many "[" do not rescan the text.
  let close = text.indexOf(']');
  let i = 0;
  while (i < text.length && tokens.length < MAX_TOKENS) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      for (; i < text.length && text[i] !== '"'; i++) v += text[i] === '\\' && i + 1 < text.length ? text[++i] : text[i];
      i++;
      tokens.push({ t: 'quoted', v });
    } else if (c === '(') {
      let depth = 0;
      let v = '';
      for (; i < text.length; i++) {
        const d = text[i]!;
        if (d === '\\' && i + 1 < text.length) v += text[++i];
        else if (d === '(') {
          if (depth++ > 0) v += d;
        } else if (d === ')') {
          if (--depth === 0) break;
          v += d;
        } else v += d;
      }
      i++;
      tokens.push({ t: 'comment', v: v.trim() });
    } else if (c === '[') {
      if (close !== -1 && close < i) close = text.indexOf(']', i);
      const end = close === -1 ? text.length : close + 1;
      tokens.push({ t: 'literal', v: text.slice(i, end) });
      i = end;
    } else if (SPECIALS.includes(c) || c === '\\' || c === ']' || c === ')') {
      tokens.push({ t: 'special', v: c });
      i++;
    } else {
      ATOM.lastIndex = i + 1;
      const end = ATOM.test(text) ? ATOM.lastIndex : i + 1;
      tokens.push({ t: 'atom', v: text.slice(i, end) });
      i = end;
    }
  }
  return tokens;
}

const isSpecial = (token: Token | undefined, v: string): boolean => token?.t === 'special' && token.v === v;

/** Words of a phrase joined by one space; "." sticks to the word before it (obs-phrase). */
function joinPhrase(words: Token[]): string {
  let out = '';
  for (const word of words) {
    if (word.t === 'comment') continue;
    if (out !== '' && word.v !== '.') out += ' ';
    out += word.v;
  }
  return out;
}

function localPart(words: Token[]): string {
  return words
    .filter((w) => w.t !== 'comment')
    .map((w) => (w.t === 'quoted' && /[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]/.test(w.v) ? `"${w.v.replace(/["\\]/g, '\\$&')}"` : w.v))
    .join('');
}

class Parser {
  private pos = 0;
  readonly out: AddressEntry[] = [];
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  parseList(inGroup: boolean): void {
    while (this.pos < this.tokens.length) {
      const token = this.peek();
      if (isSpecial(token, ',')) {
        this.pos++;
        continue;
      }
      if (isSpecial(token, ';')) {
        if (inGroup) return;
        this.pos++;
        continue;
      }
      const before = this.pos;
      this.parseOne(inGroup);
      if (this.pos === before) this.pos++; // a stray token: step over it
    }
  }

  /** A phrase: words, dots and comments up to a special that decides what follows. */
  private readPhrase(): Token[] {
    const words: Token[] = [];
    for (let token = this.peek(); token; token = this.peek()) {
      if (token.t === 'special' && token.v !== '.') break;
      words.push(token);
      this.pos++;
    }
    return words;
  }

  private parseOne(inGroup: boolean): void {
    const phrase = this.readPhrase();
    const next = this.peek();
    if (isSpecial(next, ':') && !inGroup) {
      this.pos++;
      this.out.push({ kind: 'group-start', name: joinPhrase(phrase) });
      this.parseList(true);
      if (isSpecial(this.peek(), ';')) this.pos++;
      this.out.push({ kind: 'group-end' });
      return;
    }
    if (isSpecial(next, '<')) {
      this.pos++;
      this.parseAngle(joinPhrase(phrase) || undefined);
      return;
    }
    if (isSpecial(next, '@')) {
      this.pos++;
      const domain = this.readDomain();
      this.pushMailbox(undefined, undefined, localPart(phrase), joinDomain(domain), lastComment([...phrase, ...domain]));
      return;
    }
    if (phrase.some((w) => w.t !== 'comment')) {
      this.pushMailbox(undefined, undefined, localPart(phrase), '', lastComment(phrase));
    }
  }

  private parseAngle(name: string | undefined): void {
    let route: string | undefined;
    if (isSpecial(this.peek(), '@')) {
      // obs-route (RFC 5322 §4.4): "@a,@b:" before the address.
      let text = '';
      for (let token = this.peek(); token && !isSpecial(token, ':') && !isSpecial(token, '>'); token = this.peek()) {
        if (token.t !== 'comment') text += token.v;
        this.pos++;
      }
      if (isSpecial(this.peek(), ':')) this.pos++;
      route = text.replace(/,+$/, '') || undefined;
    }
    const local: Token[] = [];
    for (let token = this.peek(); token && !isSpecial(token, '@') && !isSpecial(token, '>'); token = this.peek()) {
      local.push(token);
      this.pos++;
    }
    let domain: Token[] = [];
    if (isSpecial(this.peek(), '@')) {
      this.pos++;
      domain = this.readDomain('>');
    }
    if (isSpecial(this.peek(), '>')) this.pos++;
    // Comments after the angle address are not part of any name.
    while (this.peek()?.t === 'comment') this.pos++;
    this.pushMailbox(name, route, localPart(local), joinDomain(domain), undefined);
  }

  private readDomain(stop?: string): Token[] {
    const words: Token[] = [];
    for (let token = this.peek(); token; token = this.peek()) {
      if (token.t === 'special' && token.v !== '.' && (token.v === stop || ',;<>:'.includes(token.v))) break;
      words.push(token);
      this.pos++;
    }
    return words;
  }

  private pushMailbox(name: string | undefined, route: string | undefined, mailbox: string, host: string, comment: string | undefined): void {
    this.out.push({
      kind: 'mailbox',
      name: name ?? (comment || undefined),
      route,
      mailbox: mailbox || MISSING_MAILBOX,
      host: host || MISSING_DOMAIN,
    });
  }
}

function joinDomain(words: Token[]): string {
  return words
    .filter((w) => w.t !== 'comment')
    .map((w) => w.v)
    .join('');
}

function lastComment(words: Token[]): string | undefined {
  for (let i = words.length - 1; i >= 0; i--) {
    const word = words[i]!;
    if (word.t === 'comment' && word.v !== '') return word.v;
  }
  return undefined;
}

/** Parses an address-list field value into mailboxes and group markers. */
export function parseAddressEntries(value: string): AddressEntry[] {
  const parser = new Parser(tokenize(value));
  parser.parseList(false);
  return parser.out;
}
