/**
 * Media types (Content-Type, Accept ranges), read as such (RFC 9110 §8.3.1, §12.5.1) rather than
 * searched for substrings: `application/json-seq` is not `application/json`, and
 * `Accept: *\/*` does accept it.
 */

/** RFC 9110 §5.6.2 token. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const TYPE = new RegExp(`^[ \\t]*(${TOKEN})/(${TOKEN})[ \\t]*`);
/** `; name=value` (token or quoted-string), or a bare `;` (RFC 9110 §5.6.6 allows empty parameters). */
const PARAMETER = new RegExp(`;[ \\t]*(?:(${TOKEN})=(${TOKEN}|"(?:[^"\\\\]|\\\\.)*"))?[ \\t]*`, 'y');

export interface MediaType {
  /** Lower case, as both are case-insensitive. */
  type: string;
  subtype: string;
  /** By lower-case name; quoted values unquoted, case kept. */
  params: Map<string, string>;
}

/** `type/subtype; name=value…`, or undefined when it is not one. */
export function parseMediaType(text: string): MediaType | undefined {
  const head = TYPE.exec(text);
  if (!head) return undefined;
  const params = new Map<string, string>();
  PARAMETER.lastIndex = head[0].length;
  while (PARAMETER.lastIndex < text.length) {
    const param = PARAMETER.exec(text);
    if (!param) return undefined;
    const [, name, value] = param;
    if (name && value) params.set(name.toLowerCase(), value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value);
  }
  return { type: (head[1] as string).toLowerCase(), subtype: (head[2] as string).toLowerCase(), params };
}

/**
 * Whether an Accept header admits `wanted` (RFC 9110 §12.5.1): a range naming it exactly,
 * or `type/*`, or `*\/*`, that is not weighted q=0 (which means "not acceptable").
 */
export function accepts(header: string | undefined, wanted: string): boolean {
  const [type, subtype] = wanted.split('/');
  // A comma-separated list (RFC 9110 §5.6.1); a comma inside a quoted value does not split it.
  const ranges = header?.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  return ranges.some((text) => {
    const range = parseMediaType(text);
    if (!range || Number(range.params.get('q') ?? 1) === 0) return false;
    if (range.type === '*') return range.subtype === '*';
    return range.type === type && (range.subtype === '*' || range.subtype === subtype);
  });
}

/**
 * Whether a Content-Type is JSON we can read: application/json, with no charset or
 * charset=utf-8 (JSON is UTF-8, RFC 8259 §8.1; a body declared in another charset
 * would be misread, so it is refused rather than decoded as UTF-8 anyway).
 */
export function isUtf8Json(header: string | undefined): boolean {
  const media = header === undefined ? undefined : parseMediaType(header);
  if (media?.type !== 'application' || media.subtype !== 'json') return false;
  const charset = media.params.get('charset');
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}
