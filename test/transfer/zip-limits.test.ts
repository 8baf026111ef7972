import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCommand } from '../../server/cli/import.js';
import { readSources, SourceError } from '../../server/transfer/sources.js';
import { listZip, readZip, ZipReadError } from '../../server/transfer/zip-reader.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { runCli, runInProcess } from '../cli-tools/run-command.js';

interface Local {
  name: string;
  data: Buffer;
  /** A CRC-32 to write instead of the true one (a damaged entry). */
  crc?: number;
}

/**
 * A zip built byte by byte: the local entries, then one central-directory record per
 * `central` item naming the local entry it points at (several may point at one: the
 * overlapping "zip bomb").
 */
function buildZip(locals: Local[], central: Array<{ name: string; local: number }> = locals.map((l, i) => ({ name: l.name, local: i }))): Buffer {
  const parts: Buffer[] = [];
  const at: Array<{ offset: number; crc: number; compressed: number; size: number }> = [];
  let offset = 0;
  for (const local of locals) {
    const compressed = deflateRawSync(local.data, { level: 9 });
    const crc = local.crc ?? crc32(local.data);
    const name = Buffer.from(local.name);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(8, 8);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(compressed.length, 18);
    header.writeUInt32LE(local.data.length, 22);
    header.writeUInt16LE(name.length, 26);
    at.push({ offset, crc, compressed: compressed.length, size: local.data.length });
    parts.push(header, name, compressed);
    offset += 30 + name.length + compressed.length;
  }
  const directoryStart = offset;
  for (const entry of central) {
    const local = at[entry.local]!;
    const name = Buffer.from(entry.name);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(8, 10);
    record.writeUInt32LE(local.crc, 16);
    record.writeUInt32LE(local.compressed, 20);
    record.writeUInt32LE(local.size, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt32LE(local.offset, 42);
    parts.push(record, name);
    offset += 46 + name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length, 8);
  end.writeUInt16LE(central.length, 10);
  end.writeUInt32LE(offset - directoryStart, 12);
  end.writeUInt32LE(directoryStart, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

const message = (subject: string, bodyBytes = 0) => Buffer.concat([Buffer.from(`To: bob@blue.com\r\nSubject: ${subject}\r\n\r\n`), Buffer.alloc(bodyBytes, 0x61), Buffer.from('\r\n')]);

/** 20 directory records, one 4 MB local entry: 80 MB inflated from a few KB (bomb.mjs, smaller). */
const overlapping = () => buildZip([{ name: 'm.eml', data: message('bomb', 4 * 1024 * 1024) }], Array.from({ length: 20 }, (_, i) => ({ name: `m${i}.eml`, local: 0 })));

describe('zip reading limits', () => {
  it('refuses entries that share bytes, before inflating any', () => {
    const zip = overlapping();
    expect(zip.length).toBeLessThan(20_000);
    expect(() => listZip(zip)).toThrow(ZipReadError);
    expect(() => readZip(zip)).toThrow(/m\d+\.eml and m\d+\.eml overlap/);
  });

  it('refuses an entry whose local header starts inside another entry', () => {
    const honest = buildZip([{ name: 'a.eml', data: message('a', 1000) }, { name: 'b.eml', data: message('b', 1000) }]);
    // The second record pointed 10 bytes into the first entry's data.
    const directoryStart = honest.readUInt32LE(honest.length - 22 + 16);
    const secondRecord = directoryStart + 46 + 'a.eml'.length;
    const shifted = Buffer.from(honest);
    shifted.writeUInt32LE(10, secondRecord + 42);
    expect(() => listZip(shifted)).toThrow(ZipReadError);
  });

  it('bounds the entry count and the inflated total, read from the directory before inflating', () => {
    const zip = buildZip(Array.from({ length: 4 }, (_, i) => ({ name: `${i}.eml`, data: message(String(i), 1000) })));
    expect(readZip(zip)).toHaveLength(4);
    expect(() => listZip(zip, { maxEntries: 3 })).toThrow('4 entries is over the limit of 3');
    const size = message('0', 1000).length;
    expect(listZip(zip, { maxTotalBytes: 4 * size })).toHaveLength(4);
    expect(() => listZip(zip, { maxTotalBytes: 4 * size - 1 })).toThrow(`the entries hold more than ${4 * size - 1} bytes inflated`);
    expect(() => listZip(zip, { maxEntryBytes: size - 1 })).toThrow(`0.eml: ${size} bytes is over the limit of ${size - 1}`);
  });

  it('inflates one entry at a time, when asked: a damaged second entry does not stop the first', async () => {
    const zip = buildZip([{ name: 'a.eml', data: message('first') }, { name: 'b.eml', data: message('second'), crc: 1234 }]);
    const entries = listZip(zip);
    expect(entries.map((e) => e.name)).toEqual(['a.eml', 'b.eml']);
    expect(entries[0]?.read()).toEqual(message('first'));
    expect(() => entries[1]?.read()).toThrow('b.eml: checksum mismatch');
  });

  describe('through import', () => {
    let dir: string;
    let box: TestSandbox;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'letterbox-zip-limits-'));
      box = await startTestSandbox({ pop3: null, imap: null, listen: null });
    });
    afterAll(async () => {
      await box.stop(0);
      await rm(dir, { recursive: true, force: true });
    });

    it('sources: the first message of a zip comes before the second is inflated', async () => {
      const file = join(dir, 'lazy.zip');
      await writeFile(file, buildZip([{ name: 'a.eml', data: message('first') }, { name: 'b.eml', data: message('second'), crc: 1234 }]));
      const sources = readSources([file]);
      expect((await sources.next()).value).toMatchObject({ origin: `${file}:a.eml`, raw: message('first') });
      await expect(sources.next()).rejects.toThrow(SourceError);
    });

    it('letterbox import refuses the overlapping archive whole: nothing sent, exit 66 (a real process)', async () => {
      const file = join(dir, 'bomb.zip');
      await writeFile(file, overlapping());
      const result = await runCli(['import', '--smtp-addr', `127.0.0.1:${box.port('smtp')}`, file]);
      expect(result.stderr).toMatch(new RegExp(`^letterbox import: ${file}: m\\d+\\.eml and m\\d+\\.eml overlap`));
      expect(result.stdout).toBe('imported 0 messages, 0 failed, stopped early\n');
      expect(result.status).toBe(66);
      expect(box.store.messages()).toHaveLength(0);
    });

    it('an honest archive still imports whole', async () => {
      const file = join(dir, 'honest.zip');
      await writeFile(file, buildZip(Array.from({ length: 3 }, (_, i) => ({ name: `${i}.eml`, data: message(`honest ${i}`, 100_000) }))));
      const result = await runInProcess(importCommand, ['--smtp-addr', `127.0.0.1:${box.port('smtp')}`, file]);
      expect(result).toMatchObject({ status: 0, stdout: 'imported 3 messages, 0 failed\n' });
    });
  });
});
