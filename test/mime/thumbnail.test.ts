import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { THUMB_HEIGHT, THUMB_WIDTH, thumbnail } from '../../server/mime/thumbnail.js';

/** A PNG of one colour type and bit depth, every pixel 0 (black), written by hand: pngjs writes only 8 and 16 bits. */
function plainPng(width: number, height: number, bitDepth: number, colorType: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const framed = Buffer.alloc(body.length + 8);
    framed.writeUInt32BE(data.length, 0);
    body.copy(framed, 4);
    framed.writeUInt32BE(crc32(body), body.length + 4);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([bitDepth, colorType, 0, 0, 0], 8);
  // Each row: filter type 0, then the row's bits, all zero.
  const rows = Buffer.alloc(height * (1 + Math.ceil((width * bitDepth) / 8)));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

function pixel(image: { data: Uint8Array | Buffer; width: number }, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return [...image.data.subarray(at, at + 3)];
}

describe('thumbnails', () => {
  it('scales a PNG to cover 180x120 and crops the centre', async () => {
    // 360x120: left half red, right half blue; covering 180x120 halves it, so both colours stay.
    const png = new PNG({ width: 360, height: 120 });
    for (let y = 0; y < 120; y++) {
      for (let x = 0; x < 360; x++) {
        const at = (y * 360 + x) * 4;
        png.data.set(x < 180 ? [255, 0, 0, 255] : [0, 0, 255, 255], at);
      }
    }
    const out = jpeg.decode(await thumbnail(PNG.sync.write(png), 'image/png'), { useTArray: true });
    expect([out.width, out.height]).toEqual([THUMB_WIDTH, THUMB_HEIGHT]);
    const left = pixel(out, 20, 60);
    const right = pixel(out, 160, 60);
    expect(left[0]).toBeGreaterThan(200);
    expect(right[2]).toBeGreaterThan(200);
  });

  it('decodes JPEG', async () => {
    const data = Buffer.alloc(40 * 40 * 4, 0);
    for (let i = 0; i < data.length; i += 4) data.set([0, 200, 0, 255], i);
    const source = jpeg.encode({ width: 40, height: 40, data }, 90).data;
    const out = jpeg.decode(await thumbnail(Buffer.from(source), 'image/jpeg'), { useTArray: true });
    expect(pixel(out, 90, 60)[1]).toBeGreaterThan(150);
  });

  it('gives a blank thumbnail for non-images and broken images', async () => {
    for (const [content, type] of [
      [Buffer.from('just text'), 'text/plain'],
      [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]), 'image/png'],
      [Buffer.from([0xff, 0xd8, 0xff, 0x00]), 'image/jpeg'],
    ] as const) {
      const out = jpeg.decode(await thumbnail(content, type), { useTArray: true });
      expect(pixel(out, 90, 60).every((v) => v > 245)).toBe(true);
    }
  });

  it('leaves blank a PNG whose pixels would inflate past 20 megapixels of 8-bit RGBA, counting its bit depth', async () => {
    // Opaque red, 16 bits a sample: 11 megapixels (under the 20 a pixel count allows) of 88 MB.
    const [width, height] = [3300, 3334];
    const data = new Uint16Array(width * height * 4);
    for (let i = 0; i < width * height; i++) [data[i * 4], data[i * 4 + 3]] = [65535, 65535];
    const file = PNG.sync.write({ width, height, data } as unknown as PNG, { bitDepth: 16, colorType: 6, inputColorType: 6, inputHasAlpha: true });
    const out = jpeg.decode(await thumbnail(file, 'image/png'), { useTArray: true });
    expect(pixel(out, 90, 60).every((v) => v > 245)).toBe(true);
    // Half as wide, it is decoded: red.
    const half = new Uint16Array((width / 2) * height * 4);
    for (let i = 0; i < (width / 2) * height; i++) [half[i * 4], half[i * 4 + 3]] = [65535, 65535];
    const small = PNG.sync.write({ width: width / 2, height, data: half } as unknown as PNG, { bitDepth: 16, colorType: 6, inputColorType: 6, inputHasAlpha: true });
    const [r, g, b] = pixel(jpeg.decode(await thumbnail(small, 'image/png'), { useTArray: true }), 90, 60);
    expect([(r as number) > 200, (g as number) < 60, (b as number) < 60]).toEqual([true, true, true]);
  });

  it('leaves blank a PNG past 20 megapixels even when its pixels inflate to little (1 bit each): decoded, each takes 4 bytes', async () => {
    const white = async (file: Buffer) => pixel(jpeg.decode(await thumbnail(file, 'image/png'), { useTArray: true }), 90, 60).every((v) => v > 245);
    // 50 megapixels of 1-bit grey inflate to 6 MB but would decode to 200 MB.
    expect(await white(plainPng(10_000, 5_000, 1, 0))).toBe(true);
    // Within the bound, the same kind of file is decoded: black.
    expect(await white(plainPng(400, 300, 1, 0))).toBe(false);
  });
});
