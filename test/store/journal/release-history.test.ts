import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../server/config.js';
import type { ReleaseService } from '../../../server/relay/release-service.js';
import { startDnsServer, type TestDnsServer } from '../../helpers/dns-server.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { startSink, type SmtpSink } from '../../relay/smtp-sink.js';

const RAW = Buffer.from('From: alice@red.com\r\nTo: bob@blue.com\r\nSubject: Kept\r\n\r\nHi\r\n');

interface ReleasesBody {
  Enabled: boolean;
  Releases: Array<{
    Status: string;
    Recipients: Array<{ Address: string; Status: string; Reply: string; Attempts: number; NextAttempt: string | null }>;
    Attempts: Array<{ Transcript: string[] }>;
  }>;
}

let dns: TestDnsServer;
let sink: SmtpSink;
beforeAll(async () => {
  dns = await startDnsServer({ mx: { 'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }] }, a: { 'mx.blue.com': ['127.0.0.1'] } });
  sink = await startSink({
    rcpt: (address) => (address.startsWith('gone@') ? { code: 550, message: '5.1.1 No such user' } : address.startsWith('later@') ? { code: 451, message: '4.3.0 Try later' } : null),
  });
});
afterAll(async () => {
  await sink.close();
  await dns.close();
});

describe('release history with --data-dir', () => {
  let dir: string;
  const boxes: TestSandbox[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-releases-'));
  });
  afterEach(async () => {
    for (const box of boxes.splice(0)) await box.stop(0);
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<{ box: TestSandbox; service: ReleaseService }> {
    const config: Partial<Config> = {
      dataDir: dir,
      releaseMx: true,
      releaseAllowPrivate: true,
      releaseAllow: ['blue.com'],
      dnsServer: dns.address,
      releasePort: sink.port,
      // Long enough that the retry is still waiting when the sandbox stops.
      releaseRetry: [60_000],
    };
    const box = await startTestSandbox(config);
    boxes.push(box);
    const service = box.release;
    if (!service) throw new Error('release is not running');
    return { box, service };
  }

  const deliver = (box: TestSandbox, rcptTo: string[]) => box.store.deliver({ raw: RAW, envelope: { mailFrom: 'alice@red.com', rcptTo } });

  async function releasesOf(box: TestSandbox, id: string): Promise<ReleasesBody> {
    const response = await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/message/${id}/releases`);
    expect(response.status).toBe(200);
    return (await response.json()) as ReleasesBody;
  }

  it('keeps each message\'s releases across a restart, closes the unfinished ones, and drops a deleted message\'s', async () => {
    const first = await start();
    const kept = await deliver(first.box, ['bob@blue.com']);
    await first.service.release(kept.id, undefined, 'api');
    await first.service.release(kept.id, ['gone@blue.com'], 'api');
    const waiting = await deliver(first.box, ['later@blue.com']);
    await first.service.release(waiting.id, undefined, 'api');
    const deleted = await deliver(first.box, ['bob@blue.com']);
    await first.service.release(deleted.id, undefined, 'api');
    await first.box.store.remove([deleted.id]);
    const keptBefore = await releasesOf(first.box, kept.id);
    expect(keptBefore.Releases.map((r) => r.Recipients[0]?.Status)).toEqual(['delivered', 'failed']);
    expect((await releasesOf(first.box, waiting.id)).Releases[0]?.Recipients[0]?.Status).toBe('retrying');
    const sent = sink.messages.length;
    await first.box.stop(0);
    // A crash in the middle of an append leaves half a record at the end of the file.
    await appendFile(join(dir, 'releases.lbx'), Buffer.from([0, 0, 1, 0, 9, 9, 9, 9, 1]));

    const second = await start();
    expect(await releasesOf(second.box, kept.id)).toEqual(keptBefore);
    // The retry is not resumed after a restart: the release is closed, saying why.
    const [closed] = (await releasesOf(second.box, waiting.id)).Releases;
    expect(closed).toMatchObject({ Status: 'done', Recipients: [{ Address: 'later@blue.com', Status: 'failed', Attempts: 1, NextAttempt: null }] });
    expect(closed?.Recipients[0]?.Reply).toMatch(/^abandoned: Letterbox stopped before this release was over \(last reply: 451 4\.3\.0 Try later\)/);
    expect(closed?.Attempts[0]?.Transcript).toContain('C: RCPT TO:<later@blue.com>');
    expect(second.service.history.of(deleted.id)).toEqual([]);
    const saved = await readFile(join(dir, 'releases.lbx'));
    expect(saved.includes(kept.id)).toBe(true);
    expect(saved.includes(deleted.id)).toBe(false);

    // New releases after the restart join the saved ones, and are saved in turn.
    await second.service.release(kept.id, undefined, 'api');
    expect(sink.messages.length).toBe(sent + 1);
    await second.box.stop(0);
    const third = await start();
    expect((await releasesOf(third.box, kept.id)).Releases.map((r) => r.Recipients[0]?.Status)).toEqual(['delivered', 'failed', 'delivered']);
  });
});
