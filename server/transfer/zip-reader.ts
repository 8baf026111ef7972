import { inflateRawSync } from 'node:zlib';
import { crc32 } from 'node:zlib';
import { ZIP_MAX_BYTES, ZIP_MAX_ENTRIES } from './zip-writer.js';

/**
 * Reads the entries of a zip archive through its central directory (APPNOTE.TXT
 * §4.3.12–16), for importing what `letterbox export --format zip` or another tool wrote.
 * Stored and deflated entries are read; anything else (encryption, ZIP64, other
 * methods) is a ZipReadError naming the entry.
 *
 * The whole central directory is read and checked before any entry is inflated, and
 * entries are then inflated one at a time as they are asked for, so a hostile archive
 * (a "zip bomb") is refused before it costs anything, and a large honest one never
 * needs more memory than its largest entry:
 * - no two entries may share bytes: many central-directory records pointing at one
 *   small, highly compressed local entry is the classic way to multiply a bomb;
 * - the entry count and the sizes the directory declares (each, and all together)
 *   are bounded, and inflating stops at the declared size, so the declared sizes are
 *   what inflating can cost.
 */

export class ZipReadError extends Error {}

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** An entry found and checked, not yet inflated. */
export interface ZipListing {
  name: string;
  /** Inflates it now, checking its size (as the central directory declares it) and CRC-32. */
  read(): Buffer;
}

/** Limits a hostile archive's inflated size (a "zip bomb"). */
export interface ZipReadLimits {
  /** Largest entry. */
  maxEntryBytes: number;
  /** Most entries (directories included). */
  maxEntries: number;
  /** All entries together, inflated. */
  maxTotalBytes: number;
}

/**
 * What an import takes. An entry is one message: 1 GiB is twenty times the SMTP front's
 * default --smtp-max-size (50 MiB), room for a store run with a raised limit, and is the
 * most one entry can hold in memory while it is sent. Count and total are the most a zip
 * without ZIP64 holds (65,535 entries, 4 GiB), which is what `letterbox export --format
 * zip` can write: an archive Letterbox wrote always fits, and since entries may not
 * overlap, reaching the total takes at least 4 MiB of compressed bytes (deflate inflates
 * at most about 1032 to 1), never a 42 KB file.
 */
export const ZIP_READ_LIMITS: ZipReadLimits = {
  maxEntryBytes: 1024 ** 3,
  maxEntries: ZIP_MAX_ENTRIES,
  maxTotalBytes: ZIP_MAX_BYTES,
};

/** Every file entry, inflated. For archives in hand; an import reads them one at a time (listZip). */
export function readZip(zip: Buffer, limits: Partial<ZipReadLimits> = {}): ZipEntry[] {
  return listZip(zip, limits).map((entry) => ({ name: entry.name, data: entry.read() }));
}

/**
 * The file entries of an archive in order, each to inflate when its turn comes, after
 * the whole central directory is checked: a damaged or hostile archive is refused
 * before any entry is read.
 */
export function listZip(zip: Buffer, limits: Partial<ZipReadLimits> = {}): ZipListing[] {
  const { maxEntryBytes, maxEntries, maxTotalBytes } = { ...ZIP_READ_LIMITS, ...limits };
  const end = findEndRecord(zip);
  const count = zip.readUInt16LE(end + 10);
  const directorySize = zip.readUInt32LE(end + 12);
  const directoryStart = zip.readUInt32LE(end + 16);
  if (count > maxEntries) throw new ZipReadError(`${count} entries is over the limit of ${maxEntries}`);
  if (directoryStart + directorySize > end) throw new ZipReadError('damaged central directory');
  let at = directoryStart;
  let total = 0;
  const entries: ZipListing[] = [];
  /** The bytes each entry takes, local header to end of data, to find overlaps. */
  const spans: Array<{ name: string; start: number; end: number }> = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || zip.readUInt32LE(at) !== 0x02014b50) throw new ZipReadError('damaged central directory');
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
    if (at > end) throw new ZipReadError('damaged central directory');
    if (name.endsWith('/')) continue;
    if (flags & 0x0001) throw new ZipReadError(`${name}: encrypted entries are not supported`);
    if (compressed === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) throw new ZipReadError(`${name}: ZIP64 is not supported`);
    if (size > maxEntryBytes) throw new ZipReadError(`${name}: ${size} bytes is over the limit of ${maxEntryBytes}`);
    total += size;
    if (total > maxTotalBytes) throw new ZipReadError(`the entries hold more than ${maxTotalBytes} bytes inflated, the limit for one archive`);
    if (method !== 0 && method !== 8) throw new ZipReadError(`${name}: compression method ${method} is not supported`);
    if (method === 0 && compressed !== size) throw new ZipReadError(`${name}: damaged (a stored entry of ${compressed} bytes declared as ${size})`);
    if (localOffset + 30 > directoryStart || zip.readUInt32LE(localOffset) !== 0x04034b50) throw new ZipReadError(`${name}: damaged local header`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    if (dataStart + compressed > directoryStart) throw new ZipReadError(`${name}: truncated`);
    spans.push({ name, start: localOffset, end: dataStart + compressed });
    entries.push({
      name,
      read: () => {
        const stored = zip.subarray(dataStart, dataStart + compressed);
        let data: Buffer;
        try {
          data = method === 0 ? stored : inflateRawSync(stored, { maxOutputLength: Math.max(size, 1) });
        } catch (error) {
          throw new ZipReadError(`${name}: cannot inflate: ${(error as Error).message}`);
        }
        if (data.length !== size || crc32(data) !== crc) throw new ZipReadError(`${name}: checksum mismatch`);
        return data;
      },
    });
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const before = spans[i - 1]!;
    const span = spans[i]!;
    if (span.start < before.end) throw new ZipReadError(`${span.name} and ${before.name} overlap: entries sharing bytes are how a small zip inflates to gigabytes, and are refused`);
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
