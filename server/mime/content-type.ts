/**
 * Structured MIME header values: Content-Type (RFC 2045 §5.1) and
 * Content-Disposition (RFC 2183), with RFC 2231 parameter continuations and
 * charset/language-tagged values. Lenient: never throws, keeps what it can.
 */
import { fieldText, type MimeText } from './header-block.js';
import { decodeWords } from './summary.js';

export interface MimeParam {
  /**
   * The name as IMAP reports it: as written for a plain parameter; the base name
   * for RFC 2231 continuations, with a trailing `*` when the joined value is still
   * in its `charset'language'%XX` form (RFC 2231 §4), as reference servers do.
   */
  name: string;
  /** The value as written (continuations joined), byte-exact. */
  value: MimeText;
  /**
   * The value decoded to text: RFC 2231 charset applied, quoted-pairs removed, and
   * RFC 2047 encoded-words decoded (not allowed there, but what many mailers send).
   */
  decoded: string;
}

export interface ContentType {
  /** Type and subtype as written (case kept). */
  type: string;
  subtype: string;
  params: MimeParam[];
  /** False when the field was missing or unparsable and the RFC 2045 §5.2 default applies. */
  explicit: boolean;
}

export interface ContentDisposition {
  /** The disposition type as written, e.g. `attachment`. */
  value: string;
  params: MimeParam[];
}

interface RawParam {
  name: string;
  value: string;
}

const TOKEN_END = /[\s;()"/=]/;

/** Skips whitespace and RFC 5322 comments (nested, with quoted-pairs). */
function skipCfws(text: string, pos: number): number {
  while (pos < text.length) {
    const c = text[pos];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') pos++;
    else if (c === '(') {
      let depth = 0;
      for (; pos < text.length; pos++) {
        const d = text[pos];
        if (d === '\\') pos++;
        else if (d === '(') depth++;
        else if (d === ')' && --depth === 0) {
          pos++;
          break;
        }
      }
    } else break;
  }
  return pos;
}

function readToken(text: string, pos: number): [string, number] {
  let end = pos;
  while (end < text.length && !TOKEN_END.test(text[end]!)) end++;
  return [text.slice(pos, end), end];
}

function readQuoted(text: string, pos: number): [string, number] {
  // pos is at the opening quote; an unterminated string runs to the end.
  let out = '';
  let i = pos + 1;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) out += text[++i];
    else if (c === '"') return [out, i + 1];
    else out += c;
  }
  return [out, i];
}

function readParams(text: string, pos: number): RawParam[] {
  const params: RawParam[] = [];
  // The next "=" (-1: none left), remembered so "; x; x; x" does not rescan the value.
  let eq = text.indexOf('=', pos);
  while (pos < text.length) {
    pos = skipCfws(text, pos);
    if (text[pos] === ';') {
      pos++;
      continue;
    }
    if (eq !== -1 && eq < pos) eq = text.indexOf('=', pos);
    const semi = text.indexOf(';', pos);
    if (eq === -1 || (semi !== -1 && semi < eq)) {
      // Not a parameter (no "="): skip to the next ";".
      if (semi === -1) break;
      pos = semi + 1;
      continue;
    }
    const name = text.slice(pos, eq).trim();
    pos = skipCfws(text, eq + 1);
    let value: string;
    if (text[pos] === '"') [value, pos] = readQuoted(text, pos);
    else {
      // Lenient: an unquoted value runs to the next ";", so broken `name=my file.pdf` survives.
      const stop = text.indexOf(';', pos);
      const end = stop === -1 ? text.length : stop;
      value = text.slice(pos, end).replace(/\s*\([^()]*\)\s*$/, '').trim();
      pos = end;
    }
    if (name !== '' && !/[\s"]/.test(name)) params.push({ name, value });
  }
  return params;
}

const EXTENDED = /^(.+?)\*(?:(\d{1,3})(\*)?)?$/;

/** RFC 2231 §4 attribute-char: what may stand unencoded in an extended value. */
function percentEncode(text: string): string {
  return text.replace(/[^A-Za-z0-9!#$&+\-.^_`{|}~]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(c);
  });
}

function decodeExtended(value: string): string {
  const first = value.indexOf("'");
  const second = first === -1 ? -1 : value.indexOf("'", first + 1);
  if (second === -1) return value;
  const charset = value.slice(0, first).trim() || 'us-ascii';
  const bytes = Buffer.from(value.slice(second + 1).replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/**
 * Joins RFC 2231 continuations (`name*0`, `name*1*`, …) and extended values
 * (`name*`), keeping the first-appearance order of parameters.
 */
function mergeParams(raw: RawParam[], latin1: boolean): MimeParam[] {
  interface Group {
    base: string;
    segments: { index: number; value: string; extended: boolean }[];
    indexes: Set<number>;
  }
  const out: (MimeParam | Group)[] = [];
  const groups = new Map<string, Group>();
  for (const { name, value } of raw) {
    const match = EXTENDED.exec(name);
    if (!match) {
      out.push({ name, value: fieldText(value, latin1), decoded: value.includes('=?') ? decodeWords(value) : value });
      continue;
    }
    const base = match[1]!;
    const key = base.toLowerCase();
    let group = groups.get(key);
    if (!group) {
      group = { base, segments: [], indexes: new Set() };
      groups.set(key, group);
      out.push(group);
    }
    const index = match[2] === undefined ? 0 : Number(match[2]);
    const extended = match[2] === undefined || match[3] === '*';
    // A repeated section keeps its first value.
    if (!group.indexes.has(index)) {
      group.indexes.add(index);
      group.segments.push({ index, value, extended });
    }
  }
  return out.map((item) => {
    if (!('segments' in item)) return item;
    const segments = item.segments.sort((a, b) => a.index - b.index);
    const extended = segments[0]!.extended;
    if (!extended) {
      // Only the first segment may carry charset'language' (RFC 2231 §4.1); unencoded
      // later segments are joined as they are.
      const joined = segments.map((s) => s.value).join('');
      return { name: item.base, value: fieldText(joined, latin1), decoded: joined.includes('=?') ? decodeWords(joined) : joined };
    }
    const joined = segments.map((s, i) => (s.extended || i === 0 ? s.value : percentEncode(s.value))).join('');
    return { name: `${item.base}*`, value: fieldText(joined, latin1), decoded: decodeExtended(joined) };
  });
}

/** RFC 2045 §5.2: no (or an unparsable) Content-Type means text/plain; charset=us-ascii. */
export function defaultContentType(type = 'text', subtype = 'plain'): ContentType {
  return { type, subtype, params: [], explicit: false };
}

/** Parses a Content-Type value; `fallback` applies when it is missing or unparsable. */
export function parseContentType(value: string | undefined, latin1: boolean, fallback: ContentType): ContentType {
  if (value === undefined) return fallback;
  let pos = skipCfws(value, 0);
  let type: string;
  [type, pos] = readToken(value, pos);
  pos = skipCfws(value, pos);
  if (type === '' || value[pos] !== '/') return fallback;
  pos = skipCfws(value, pos + 1);
  let subtype: string;
  [subtype, pos] = readToken(value, pos);
  if (subtype === '') return fallback;
  return { type, subtype, params: mergeParams(readParams(value, pos), latin1), explicit: true };
}

/** Parses a Content-Disposition value (RFC 2183); undefined when absent or empty. */
export function parseContentDisposition(value: string | undefined, latin1: boolean): ContentDisposition | undefined {
  if (value === undefined) return undefined;
  const [type, pos] = readToken(value, skipCfws(value, 0));
  if (type === '') return undefined;
  return { value: type, params: mergeParams(readParams(value, pos), latin1) };
}

/** The decoded value of a parameter by case-insensitive name, with or without the RFC 2231 `*`. */
export function paramValue(params: readonly MimeParam[], name: string): string | undefined {
  const key = name.toLowerCase();
  for (const param of params) {
    const own = param.name.toLowerCase();
    if (own === key || own === `${key}*`) return param.decoded;
  }
  return undefined;
}
