/**
 * Which parts of a message a browser may show from this origin. A part is the sender's
 * bytes served beside the inbox and its API, so anything a browser could treat as a
 * document (HTML, SVG, XML, script, PDF, or a type it sniffs) is a download of opaque
 * bytes. Only what cannot carry script is shown in place: a raster image whose bytes are
 * the format it claims to be, and plain text in a charset every browser decodes as a
 * superset of ASCII.
 */

/** How to serve a part: in place with this Content-Type, or as a download. */
export type PartPresentation = { inline: true; contentType: string } | { inline: false; contentType: 'application/octet-stream' };

/** Opaque bytes to save, never to render. */
export const DOWNLOAD: PartPresentation = { inline: false, contentType: 'application/octet-stream' };

interface RasterFormat {
  /** The type served: the registered name, whatever alias the sender wrote. */
  type: string;
  /** The signature at the start of the file (each format's own specification). */
  matches(bytes: Buffer): boolean;
}

const ascii = (bytes: Buffer, at: number, text: string) => bytes.toString('latin1', at, at + text.length) === text;

const PNG: RasterFormat = { type: 'image/png', matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) };
const JPEG: RasterFormat = { type: 'image/jpeg', matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff };
const GIF: RasterFormat = { type: 'image/gif', matches: (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a') };
const WEBP: RasterFormat = { type: 'image/webp', matches: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') };
/** "BM", then a DIB header whose size names one of the known header versions. */
const BMP: RasterFormat = { type: 'image/bmp', matches: (b) => ascii(b, 0, 'BM') && b.length >= 18 && [12, 40, 52, 56, 64, 108, 124].includes(b.readUInt32LE(14)) };
/** ICONDIR: reserved 0, type 1 (icon), at least one image. */
const ICO: RasterFormat = { type: 'image/x-icon', matches: (b) => b.length >= 6 && b.readUInt16LE(0) === 0 && b.readUInt16LE(2) === 1 && b.readUInt16LE(4) > 0 };
/** An ISO BMFF `ftyp` box whose major brand is AVIF's. */
const AVIF: RasterFormat = { type: 'image/avif', matches: (b) => ascii(b, 4, 'ftyp') && (ascii(b, 8, 'avif') || ascii(b, 8, 'avis')) };

/** Declared types (with the aliases mail software writes) of the formats shown in place. */
const RASTER = new Map<string, RasterFormat>([
  ['image/png', PNG],
  ['image/x-png', PNG],
  ['image/jpeg', JPEG],
  ['image/jpg', JPEG],
  ['image/pjpeg', JPEG],
  ['image/gif', GIF],
  ['image/webp', WEBP],
  ['image/bmp', BMP],
  ['image/x-bmp', BMP],
  ['image/x-ms-bmp', BMP],
  ['image/x-icon', ICO],
  ['image/vnd.microsoft.icon', ICO],
  ['image/avif', AVIF],
]);

/**
 * Charsets every browser decodes as an ASCII superset, so no byte sequence becomes
 * markup-looking text it did not spell; UTF-7 (whose `+ADw-` is `<`), UTF-16/32 and
 * the stateful ISO-2022 family are downloads.
 */
const SAFE_CHARSET = /^(us-ascii|utf-8|iso-8859-([1-9]|1[0-6])|windows-125[0-8]|koi8-[ru]|gb2312|gbk|gb18030|big5|shift_jis|euc-jp|euc-kr)$/;

/** The media type alone, lower case: `Image/PNG; name=x` → `image/png`. */
function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * How a part is served, from its declared type, its decoded bytes and the charset its
 * Content-Type names (undefined when none: US-ASCII, RFC 2046 §4.1.2).
 */
export function partPresentation(contentType: string, content: Buffer, charset: string | undefined): PartPresentation {
  const type = mediaType(contentType);
  const raster = RASTER.get(type);
  if (raster) return raster.matches(content) ? { inline: true, contentType: raster.type } : DOWNLOAD;
  if (type === 'text/plain') {
    const name = (charset ?? 'us-ascii').trim().toLowerCase();
    return SAFE_CHARSET.test(name) ? { inline: true, contentType: `text/plain; charset=${name}` } : DOWNLOAD;
  }
  return DOWNLOAD;
}
