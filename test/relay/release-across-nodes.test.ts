import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLetterbox, type Letterbox } from '../../server/index.js';
import { sendSmtp } from '../helpers/inbox-sandbox.js';
import { hasPostgres } from '../helpers/postgres.js';
import { usePostgres } from '../helpers/use-postgres.js';
import { startSink } from './smtp-sink.js';

interface Releases {
  Enabled: boolean;
  Releases: Array<{ ID: string; Status: string; Recipients: Array<{ Address: string; Status: string; Reply: string; NextAttempt: string | null }>; Transcript: string[] }>;
}

const base = (node: Letterbox) => `http://127.0.0.1:${node.addresses.http?.port}/api/v1`;
const releasesOn = async (node: Letterbox, id: string) => {
  const response = await fetch(`${base(node)}/message/${id}/releases`);
  expect(response.status).toBe(200);
  return (await response.json()) as Releases;
};
const release = (node: Letterbox, id: string, to: string) =>
  fetch(`${base(node)}/message/${id}/release`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ To: [to] }) });

type ReleaseFrame = { Type: string; Data: { ID: string; Release: Releases['Releases'][number] } };

/** The `release` frames a node's WebSocket clients get, as they come; `next(test)` resolves at the first (from now on) that passes. */
async function releaseFrames(node: Letterbox) {
  const socket = new WebSocket(`${node.url}api/events`);
  const frames: ReleaseFrame[] = [];
  const waiting: Array<{ test: (frame: ReleaseFrame) => boolean; resolve: () => void }> = [];
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as ReleaseFrame;
    if (frame.Type !== 'release') return;
    frames.push(frame);
    for (const w of [...waiting]) if (w.test(frame)) waiting.splice(waiting.indexOf(w), 1) && w.resolve();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    frames,
    next: (test: (frame: ReleaseFrame) => boolean) => new Promise<void>((resolve) => waiting.push({ test, resolve })),
    close: () => socket.close(),
  };
}

describe.runIf(hasPostgres())('release history on several nodes', () => {
  const cluster = usePostgres();

  it('shows on each node what the other released, each attempt with its transcript, closes what a stopping node leaves, and forgets it with the message', async () => {
    const sink = await startSink({ rcpt: (address) => (address.startsWith('later@') ? { code: 451, message: '4.3.0 Try later' } : null) });
    const options = { database: cluster().url, releaseSmarthost: { host: '127.0.0.1', port: sink.port }, releaseAllowInsecure: true, releaseRetry: [60_000], pop3: false as const, imap: false as const };
    const a = await startLetterbox({ ...options, label: 'A' });
    const b = await startLetterbox({ ...options, label: 'B' });
    try {
      await sendSmtp(a.smtp?.port, undefined, { from: 'alice@red.example', to: 'bob@blue.example', subject: 'to be released', text: 'release me' });
      const { ID: id } = await b.client.waitForMessage({ query: 'subject:"to be released"' });
      const [liveOnA, liveOnB] = [await releaseFrames(a), await releaseFrames(b)];
      // Node B's WebSocket clients follow a release node A runs, to its end.
      const doneOnB = liveOnB.next((f) => f.Data.ID === id && f.Data.Release.Status === 'done');
      expect((await release(a, id, 'carol@red.example')).status).toBe(200);
      await doneOnB;
      const fromA = liveOnB.frames[0]?.Data.Release.ID;
      expect(liveOnB.frames.every((f) => f.Data.ID === id && f.Data.Release.ID === fromA)).toBe(true);
      expect(liveOnB.frames.at(-1)?.Data.Release.Recipients.map((x) => [x.Address, x.Status])).toEqual([['carol@red.example', 'delivered']]);
      const seen = await releasesOn(b, id);
      expect(seen.Releases.map((r) => [r.Status, r.Recipients.map((x) => [x.Address, x.Status])])).toEqual([['done', [['carol@red.example', 'delivered']]]]);
      expect(seen.Releases[0]?.Transcript).toContain('C: RCPT TO:<carol@red.example>');
      // A temporary failure on B: A shows it retrying, with when B will try again.
      const retryingOnA = liveOnA.next((f) => f.Data.Release.ID !== fromA && f.Data.Release.Recipients[0]?.Status === 'retrying');
      expect((await release(b, id, 'later@red.example')).status).toBe(202);
      // Heard after every save of A's own release: A's clients got each step of it once (started, attempt, finished), not again from the database.
      await retryingOnA;
      expect(liveOnA.frames.filter((f) => f.Data.Release.ID === fromA).map((f) => f.Data.Release.Status)).toEqual(['running', 'running', 'done']);
      for (const live of [liveOnA, liveOnB]) live.close();
      const both = await releasesOn(a, id);
      expect(both.Releases.map((r) => r.Recipients.map((x) => [x.Address, x.Status]))).toEqual([[['carol@red.example', 'delivered']], [['later@red.example', 'retrying']]]);
      expect(both.Releases[1]?.Recipients[0]?.NextAttempt).not.toBeNull();
      expect(sink.messages.map((m) => m.rcptTo)).toEqual([['carol@red.example']]);
      // Node B stops while its release waits to retry: no node would finish it, so it is closed for every node to see.
      await b.stop();
      const closed = await releasesOn(a, id);
      expect(closed.Releases[1]?.Status).toBe('done');
      expect(closed.Releases[1]?.Recipients.map((x) => [x.Status, x.Reply.slice(0, 'abandoned'.length)])).toEqual([['failed', 'abandoned']]);
      // Deleted: gone from the history every node reads.
      const deleted = await fetch(`${base(a)}/messages`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ IDs: [id] }) });
      expect(deleted.status).toBe(200);
      expect((await cluster().sql('SELECT count(*)::int AS n FROM letterbox_releases')).rows[0]?.n).toBe(0);
      expect((await fetch(`${base(a)}/message/${id}/releases`)).status).toBe(404);
    } finally {
      await a.stop();
      await b.stop();
      await sink.close();
    }
  });
});
