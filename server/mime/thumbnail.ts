export const THUMB_WIDTH = 180;
export const THUMB_HEIGHT = 120;
/** Mailpit refuses to decode images above about 20 megapixels; so do we (memory). */
const MAX_PIXELS = 20_000_000;
/**
 * Bytes a PNG may inflate to: 20 megapixels of 8-bit RGBA. A 16-bit RGBA image has twice
 * as many a pixel, so it may have half the pixels (a 155 KB file of zeros inflated to 160 MB).
 */
const MAX_PNG_BYTES = MAX_PIXELS * 4;
/** Samples a pixel of each PNG colour type (RFC 2083 §4.1.1): grey, -, RGB, palette, grey+alpha, -, RGBA. */
const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

interface Bitmap {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  data: Uint8Array;
}

/**
 * A 180×120 JPEG thumbnail, as Mailpit's: the image scaled to cover the box and
 * centre-cropped, on white (transparent pixels become white). A part that is not a
 * JPEG or PNG, or cannot be decoded, gives a blank white thumbnail.
 * Pure JavaScript (jpeg-js, pngjs): no native image library to install; loaded on
 * first use, as few sandboxes are ever asked for a thumbnail.
 */
export async function thumbnail(content: Buffer, contentType: string): Promise<Buffer> {
  const codecs = await loadCodecs();
  const image = decode(codecs, content, contentType.toLowerCase());
  const out = new Uint8Array(THUMB_WIDTH * THUMB_HEIGHT * 4).fill(255);
  if (image && image.width > 0 && image.height > 0) {
    const scale = Math.max(THUMB_WIDTH / image.width, THUMB_HEIGHT / image.height);
    const offsetX = (image.width * scale - THUMB_WIDTH) / 2;
    const offsetY = (image.height * scale - THUMB_HEIGHT) / 2;
    for (let y = 0; y < THUMB_HEIGHT; y++) {
      const sy = Math.min(image.height - 1, Math.floor((y + offsetY) / scale));
      for (let x = 0; x < THUMB_WIDTH; x++) {
        const sx = Math.min(image.width - 1, Math.floor((x + offsetX) / scale));
        const from = (sy * image.width + sx) * 4;
        const to = (y * THUMB_WIDTH + x) * 4;
        const alpha = (image.data[from + 3] ?? 255) / 255;
        for (let ch = 0; ch < 3; ch++) out[to + ch] = Math.round((image.data[from + ch] ?? 255) * alpha + 255 * (1 - alpha));
      }
    }
  }
  return Buffer.from(codecs.jpeg.encode({ width: THUMB_WIDTH, height: THUMB_HEIGHT, data: out }, 80).data);
}

interface Codecs {
  jpeg: typeof import('jpeg-js');
  PNG: typeof import('pngjs').PNG;
}

async function loadCodecs(): Promise<Codecs> {
  const [{ default: jpeg }, { PNG }] = await Promise.all([import('jpeg-js'), import('pngjs')]);
  return { jpeg, PNG };
}

function decode({ jpeg, PNG }: Codecs, content: Buffer, contentType: string): Bitmap | undefined {
  try {
    if (contentType === 'image/jpeg' || contentType === 'image/jpg' || isJpeg(content)) {
      const image = jpeg.decode(content, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 256 });
      return { width: image.width, height: image.height, data: image.data };
    }
    if (contentType === 'image/png' || isPng(content)) {
      // IHDR (RFC 2083 §4.1.1) gives the size before any pixel is inflated. Both bounds:
      // the decoder's output is 4 bytes a pixel whatever the depth (a 1-bit image inflates
      // little but decodes to width × height × 4), and 16-bit samples inflate twice as much.
      if (content.length < 26 || content.readUInt32BE(16) * content.readUInt32BE(20) > MAX_PIXELS || pngInflatedBytes(content) > MAX_PNG_BYTES) return undefined;
      const image = PNG.sync.read(content);
      return { width: image.width, height: image.height, data: image.data };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** What a PNG's pixels inflate to (the rows' filter bytes aside), from its IHDR: width, height, bit depth, colour type; Infinity when there is none. */
function pngInflatedBytes(content: Buffer): number {
  if (content.length < 26) return Infinity;
  const [width, height] = [content.readUInt32BE(16), content.readUInt32BE(20)];
  const bitsPerPixel = (content[24] as number) * (PNG_CHANNELS[content[25] as number] ?? 4);
  return height * Math.ceil((width * bitsPerPixel) / 8);
}

function isJpeg(content: Buffer): boolean {
  return content[0] === 0xff && content[1] === 0xd8;
}

function isPng(content: Buffer): boolean {
  return content.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}
