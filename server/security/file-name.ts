/**
 * A sender names its attachments, and the name reaches a reader's disk (a download) and
 * screen (the inbox, any API client). One sanitiser serves the message JSON's FileName
 * and every Content-Disposition, so what a client shows is what a browser saves.
 */

/** C0 and C1 controls and DEL: a NUL or CR in a name truncates or splits it downstream. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/**
 * Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): with them
 * `invoice\u202Efdp.exe` reads as `invoiceexe.pdf` (Unicode TR #36 §2.1, "Bidirectional
 * Text Spoofing").
 */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/g;
/** A surrogate without its pair cannot be written as UTF-8 (encodeURIComponent throws). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Most file systems stop at 255 bytes a name. */
const MAX_NAME_BYTES = 255;
/** An extension longer than this is not kept whole when a long name is shortened. */
const MAX_EXTENSION = 16;

/**
 * The name as one harmless path segment: no `/` or `\` (they become `_`), no `..`, no
 * leading or trailing dots or spaces (Windows drops trailing ones; a leading dot hides
 * a file), no control or bidi-control characters, at most 255 UTF-8 bytes with the
 * extension kept. May be '' (no usable name).
 */
export function safeFileName(name: string): string {
  const cleaned = name
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(CONTROL, '')
    .replace(BIDI_CONTROL, '')
    .replace(/[/\\]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  return shorten(cleaned);
}

function shorten(name: string): string {
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= MAX_EXTENSION ? name.slice(dot) : '';
  let stem = '';
  let bytes = Buffer.byteLength(extension);
  // By code point, so a cut never splits a surrogate pair.
  for (const char of name.slice(0, name.length - extension.length)) {
    bytes += Buffer.byteLength(char);
    if (bytes > MAX_NAME_BYTES) break;
    stem += char;
  }
  return stem.replace(/[\s.]+$/, '') + extension;
}

/**
 * RFC 5987 §3.2.1 attr-char: what may stand unescaped in `filename*`. encodeURIComponent
 * also leaves `'()*` alone, which the grammar does not allow.
 */
function extValue(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A Content-Disposition value (RFC 6266 §4) for a sanitised name: an ASCII `filename`
 * for old clients, with `"`, `\` and `%` replaced too (RFC 6266 Appendix D: some
 * clients percent-decode it), and the exact UTF-8 name in `filename*` (RFC 5987 §3.2),
 * which a client that knows it prefers (RFC 6266 §4.3).
 */
export function contentDisposition(kind: 'inline' | 'attachment', name: string, fallback: string): string {
  const safe = safeFileName(name) || safeFileName(fallback) || 'part';
  const ascii = safe.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${extValue(safe)}`;
}
