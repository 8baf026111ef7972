import { crc32 } from 'node:zlib';

/**
 * A zip archive with every entry stored uncompressed (method 0), as described in
 * PKWARE's APPNOTE.TXT §4.3: mail is mostly text already small next to the cost of a
 * deflate dependency, and a stored entry keeps the exact bytes plainly. Entries are
 * produced one by one so a large export streams; ZIP64 is not written, so an archive
 * is refused past 4 GiB or 65 535 entries rather than made unreadable.
 */

export class ZipLimitError extends Error {}

interface CentralRecord {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
  time: number;
  date: number;
}

export const ZIP_MAX_ENTRIES = 0xffff;
export const ZIP_MAX_BYTES = 0xffffffff;
/** General purpose bit 11: the file name is UTF-8 (APPNOTE §4.4.4, Appendix D). */
const UTF8_NAMES = 0x0800;

export class ZipWriter {
  readonly #records: CentralRecord[] = [];
  #offset = 0;

  /** The local header and data of one entry. */
  entry(name: string, data: Buffer, modified: Date): Buffer {
    if (this.#records.length >= ZIP_MAX_ENTRIES) throw new ZipLimitError(`a zip holds at most ${ZIP_MAX_ENTRIES} entries without ZIP64`);
    const nameBytes = Buffer.from(name, 'utf8');
    const { time, date } = dosDateTime(modified);
    const record: CentralRecord = { name: nameBytes, crc: crc32(data), size: data.length, offset: this.#offset, time, date };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(10, 4); // version needed: 1.0, stored entries
    header.writeUInt16LE(UTF8_NAMES, 6);
    header.writeUInt16LE(0, 8); // method: stored
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(date, 12);
    header.writeUInt32LE(record.crc, 14);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(0, 28);
    const size = header.length + nameBytes.length + data.length;
    if (this.#offset + size > ZIP_MAX_BYTES) throw new ZipLimitError('a zip without ZIP64 ends at 4 GiB');
    this.#offset += size;
    this.#records.push(record);
    return Buffer.concat([header, nameBytes, data]);
  }

  /** The central directory and its end record; call once, after the last entry. */
  finish(): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    for (const r of this.#records) {
      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE(0x0314, 4); // made by: Unix, spec 2.0
      header.writeUInt16LE(10, 6);
      header.writeUInt16LE(UTF8_NAMES, 8);
      header.writeUInt16LE(0, 10);
      header.writeUInt16LE(r.time, 12);
      header.writeUInt16LE(r.date, 14);
      header.writeUInt32LE(r.crc, 16);
      header.writeUInt32LE(r.size, 20);
      header.writeUInt32LE(r.size, 24);
      header.writeUInt16LE(r.name.length, 28);
      // extra, comment, disk number, internal attributes: 0
      header.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
      header.writeUInt32LE(r.offset, 42);
      parts.push(header, r.name);
      size += header.length + r.name.length;
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.#records.length, 8);
    end.writeUInt16LE(this.#records.length, 10);
    end.writeUInt32LE(size, 12);
    end.writeUInt32LE(this.#offset, 16);
    parts.push(end);
    return Buffer.concat(parts);
  }
}

/** MS-DOS date and time (local fields taken as UTC, two-second resolution); 1980 is the earliest. */
function dosDateTime(at: Date): { time: number; date: number } {
  const year = Math.min(Math.max(at.getUTCFullYear(), 1980), 2107);
  return {
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
  };
}
