import { inflateRawSync } from 'node:zlib';
import { crc32 } from 'node:zlib';

/**
 * Reads the entries of a zip archive through its central directory (APPNOTE.TXT
 * §4.3.12–16), for importing what `letterbox export --format zip` or another tool wrote.
 * Stored and deflated entries are read; anything else (encryption, ZIP64, other
 * methods) is a ZipReadError naming the entry.
 */

export class ZipReadError extends Error {}

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** Limits a hostile archive's inflated size (a "zip bomb"). */
export interface ZipReadLimits {
  maxEntryBytes: number;
}

export function readZip(zip: Buffer, limits: ZipReadLimits = { maxEntryBytes: 1024 ** 3 }): ZipEntry[] {
  const end = findEndRecord(zip);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) throw new ZipReadError('damaged central directory');
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString(flags & 0x0800 ? 'utf8' : 'latin1');
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (flags & 0x0001) throw new ZipReadError(`${name}: encrypted entries are not supported`);
    if (compressed === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) throw new ZipReadError(`${name}: ZIP64 is not supported`);
    if (size > limits.maxEntryBytes) throw new ZipReadError(`${name}: ${size} bytes is over the limit of ${limits.maxEntryBytes}`);
    if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== 0x04034b50) throw new ZipReadError(`${name}: damaged local header`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const stored = zip.subarray(dataStart, dataStart + compressed);
    if (stored.length !== compressed) throw new ZipReadError(`${name}: truncated`);
    let data: Buffer;
    if (method === 0) data = stored;
    else if (method === 8) data = inflateRawSync(stored, { maxOutputLength: Math.max(size, 1) });
    else throw new ZipReadError(`${name}: compression method ${method} is not supported`);
    if (data.length !== size || crc32(data) !== crc) throw new ZipReadError(`${name}: checksum mismatch`);
    entries.push({ name, data });
  }
  return entries;
}

export function looksLikeZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && (bytes.readUInt32LE(0) === 0x04034b50 || bytes.readUInt32LE(0) === 0x06054b50);
}

/** The end-of-central-directory record: 22 bytes plus a comment of up to 64 KiB, at the end. */
function findEndRecord(zip: Buffer): number {
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) return i;
  }
  throw new ZipReadError('not a zip archive (no end of central directory)');
}
