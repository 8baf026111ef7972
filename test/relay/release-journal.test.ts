import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../server/lib/log.js';
import { ReleaseJournal, savedReleases } from '../../server/relay/release-journal.js';
import type { ReleaseService } from '../../server/relay/release-service.js';
import { decodeFrames, encodeFrame } from '../../server/store/journal/frame-codec.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startSink, type SmtpSink } from './smtp-sink.js';

const RAW = Buffer.from('From: alice@red.com\r\nTo: bob@blue.com\r\nSubject: Again\r\n\r\nHi\r\n');
const FLOOR = 32 * 1024;
const ROUNDS = 150;

let dns: TestDnsServer;
let sink: SmtpSink;
let box: TestSandbox;
let service: ReleaseService;
let dir: string;
beforeAll(async () => {
  dns = await startDnsServer({ mx: { 'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }] }, a: { 'mx.blue.com': ['127.0.0.1'] } });
  sink = await startSink();
  // 300 releases in a row: no --release-rate here.
  box = await startTestSandbox({ releaseMx: true, releaseAllowPrivate: true, releaseAllow: ['blue.com'], dnsServer: dns.address, releasePort: sink.port, releaseRate: null });
  service = box.release!;
  dir = await mkdtemp(join(tmpdir(), 'letterbox-release-journal-'));
});
afterAll(async () => {
  await box.stop(0);
  await Promise.all([sink.close(), dns.close(), rm(dir, { recursive: true, force: true })]);
});

describe('release journal', () => {
  it('stays bounded when releases come and go, and holds the latest state of every live one', async () => {
    // A journal of its own beside the sandbox's (which has no --data-dir), with a small floor.
    const journal = await ReleaseJournal.open(dir, service, box.store, silentLogger, { compactionFloor: FLOOR });
    const path = join(dir, 'releases.lbx');
    const deliver = () => box.store.deliver({ raw: RAW, envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] } });
    const keeper = await deliver();
    let largest = 0;
    for (let n = 0; n < ROUNDS; n++) {
      // One message released over and over (its history keeps the latest 50)…
      await service.release(keeper.id, undefined, 'api');
      // …and others released, then deleted, taking their history with them.
      const passing = await deliver();
      await service.release(passing.id, undefined, 'api');
      await box.store.remove([passing.id]);
      // Sampled every few rounds once compaction is idle: how fast it runs beside a busy
      // test process is not what is under test, that it bounds the file is. Between
      // samples, releases go on while compactions write (the overlap the end state checks).
      if (n % 5 === 4) {
        await journal.compacted();
        largest = Math.max(largest, (await stat(path)).size);
      }
    }
    await journal.compacted();
    const live = [...service.history.records()];
    const liveBytes = live.reduce((sum, record) => sum + encodeFrame({ t: 'release', release: record }).length, 0);
    await journal.close();

    expect(live).toHaveLength(50);
    // Everything saved (three saves for each of the 2 × ROUNDS releases) is far more than the bound.
    expect(3 * 2 * ROUNDS * (liveBytes / live.length)).toBeGreaterThan(4 * (FLOOR + 2 * liveBytes));
    expect(largest).toBeLessThan(2 * (FLOOR + 2 * liveBytes));
    const latest = new Map<string, unknown>();
    for (const { json } of decodeFrames(await readFile(path)).frames) {
      const release = (json as { release: { id: string } }).release;
      latest.set(release.id, release);
    }
    for (const record of live) expect(latest.get(record.id)).toEqual(JSON.parse(JSON.stringify(record)));
  });

  it('reads past a damaged release in the middle, and keeps the damaged file beside the one it writes', async () => {
    // The journal the test above left: one frame per live release.
    const data = await readFile(join(dir, 'releases.lbx'));
    // Where each frame starts: its body's length (4 bytes), its checksum (4), its body.
    const starts: number[] = [];
    for (let at = 0; at < data.length; at += 8 + data.readUInt32BE(at)) starts.push(at);
    const middle = starts[Math.floor(starts.length / 2)] as number;
    const damaged = Buffer.from(data);
    damaged[middle + 8 + 20] = (damaged[middle + 8 + 20] as number) ^ 0xff;
    const whole = savedReleases(data).releases.length;
    const saved = savedReleases(damaged);
    expect([saved.damage.skippedFrames, saved.tornBytes]).toEqual([1, 0]);
    // Frames after the damaged one are read: at most the release it saved is lost.
    expect(saved.releases.length).toBeGreaterThanOrEqual(whole - 1);

    const other = await mkdtemp(join(tmpdir(), 'letterbox-release-damaged-'));
    try {
      await writeFile(join(other, 'releases.lbx'), damaged);
      const lines: Array<{ level: string; msg: string; file?: string }> = [];
      const logger = createLogger({ level: 'info', format: 'json', write: (line) => lines.push(JSON.parse(line)) });
      await (await ReleaseJournal.open(other, service, box.store, logger)).close();
      const kept = (await readdir(other)).filter((name) => name.startsWith('releases.lbx.damaged-'));
      expect(kept).toHaveLength(1);
      expect((await readFile(join(other, kept[0] as string))).equals(damaged)).toBe(true);
      expect(lines).toContainEqual(expect.objectContaining({ level: 'error', msg: expect.stringContaining('release journal was damaged in the middle'), file: join(other, kept[0] as string) }));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
