import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/lib/log.js';
import { ReleaseJournal } from '../../server/relay/release-journal.js';
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
});
