import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPUNGE_HISTORY_RANGES } from '../../server/imap/expunge-history.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { deliver } from './fixtures.js';
import { loggedIn, type ImapLineClient } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

let users = 0;
/** A fresh login with `count` messages; its INBOX's UIDVALIDITY. */
async function mailbox(count: number): Promise<{ user: string; uidValidity: number }> {
  const user = `qr${++users}@blue.com`;
  for (let i = 1; i <= count; i++) await deliver(box.store, `message ${i}`, { to: user });
  return { user, uidValidity: box.store.folder(user, 'INBOX')?.uidValidity ?? 0 };
}

async function qresyncClient(user: string): Promise<ImapLineClient> {
  const c = await loggedIn(box.port('imap'), user);
  expect(await c.command('E1', 'ENABLE QRESYNC')).toEqual(['* ENABLED QRESYNC', 'E1 OK ENABLE completed']);
  return c;
}

function highestModseq(lines: readonly string[]): number {
  const line = lines.find((l) => l.includes('[HIGHESTMODSEQ '));
  return Number(/HIGHESTMODSEQ (\d+)/.exec(line ?? '')?.[1]);
}

/** The lines a resync adds to SELECT's usual ones. */
const changes = (lines: readonly string[]) => lines.filter((l) => l.startsWith('* VANISHED') || / FETCH /.test(l));

function modseqOf(user: string, uid: number): number {
  return box.store.folderEntry(user, 'INBOX', uid)?.message.modseq ?? 0;
}

describe('IMAP QRESYNC (RFC 7162 §3.2)', () => {
  it('is advertised, enabled by ENABLE, and needed before SELECT … (QRESYNC …) or VANISHED', async () => {
    const { user, uidValidity } = await mailbox(2);
    const c = await loggedIn(box.port('imap'), user);
    expect((await c.command('A1', 'CAPABILITY'))[0]).toMatch(/ QRESYNC /);
    // §3.2.5: a tagged BAD, and the connection goes on.
    expect(await c.command('A2', `SELECT INBOX (QRESYNC (${uidValidity} 1))`)).toEqual(['A2 BAD SELECT: QRESYNC must be enabled first (ENABLE QRESYNC)']);
    await c.command('A3', 'SELECT INBOX');
    expect((await c.command('A4', 'UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)')).at(-1)).toBe('A4 BAD UID FETCH: VANISHED needs UID FETCH and ENABLE QRESYNC');
    // §3.1: CONDSTORE (which QRESYNC turns on) enabled on a selected mailbox announces HIGHESTMODSEQ first.
    expect(await c.command('A5', 'ENABLE QRESYNC')).toEqual([expect.stringMatching(/^\* OK \[HIGHESTMODSEQ \d+\] /), '* ENABLED QRESYNC', 'A5 OK ENABLE completed']);
    // §3.2.6: VANISHED belongs to UID FETCH, and only with CHANGEDSINCE.
    expect((await c.command('A6', 'FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)')).at(-1)).toBe('A6 BAD FETCH: VANISHED needs UID FETCH and ENABLE QRESYNC');
    expect((await c.command('A7', 'UID FETCH 1:* FLAGS (VANISHED)')).at(-1)).toBe('A7 BAD UID FETCH: VANISHED needs CHANGEDSINCE');
    expect((await c.command('A8', 'NOOP')).at(-1)).toBe('A8 OK NOOP completed');
    c.close();
  });

  it('refuses malformed QRESYNC parameters with BAD and keeps the connection', async () => {
    const { user, uidValidity } = await mailbox(3);
    const c = await qresyncClient(user);
    const bad = [
      `SELECT INBOX (QRESYNC (${uidValidity} 1 1:*))`,
      `SELECT INBOX (QRESYNC (${uidValidity} 1 abc))`,
      `SELECT INBOX (QRESYNC (${uidValidity} 1 1:3 (1,2 1)))`,
      `SELECT INBOX (QRESYNC (${uidValidity} 1 1:3 (2,1 2,1)))`,
      `SELECT INBOX (QRESYNC (0 1))`,
      `SELECT INBOX (QRESYNC (${uidValidity}))`,
      `SELECT INBOX (QRESYNC ${uidValidity} 1)`,
    ];
    for (const [i, line] of bad.entries()) {
      const reply = await c.command(`B${i}`, line);
      expect(reply, line).toHaveLength(1);
      expect(reply[0], line).toMatch(new RegExp(`^B${i} BAD `));
    }
    expect((await c.command('B9', `SELECT INBOX (QRESYNC (${uidValidity} 1 1:3))`)).at(-1)).toBe('B9 OK [READ-WRITE] SELECT completed');
    c.close();
  });

  it('a reconnecting client learns what vanished and what changed since its HIGHESTMODSEQ', async () => {
    const { user, uidValidity } = await mailbox(6);
    const first = await qresyncClient(user);
    const known = highestModseq(await first.command('S1', 'SELECT INBOX'));
    await first.command('S2', 'LOGOUT');

    // Meanwhile another client flags one message and expunges two.
    const other = await loggedIn(box.port('imap'), user);
    await other.command('O1', 'SELECT INBOX');
    await other.command('O2', 'STORE 2 +FLAGS.SILENT (\\Flagged)');
    await other.command('O3', 'STORE 3,5 +FLAGS.SILENT (\\Deleted)');
    expect(await other.command('O4', 'EXPUNGE')).toEqual(['* 3 EXPUNGE', '* 4 EXPUNGE', 'O4 OK EXPUNGE completed']);
    other.close();

    const again = await qresyncClient(user);
    const select = await again.command('S3', `SELECT INBOX (QRESYNC (${uidValidity} ${known} 1:6))`);
    expect(changes(select)).toEqual(['* VANISHED (EARLIER) 3,5', `* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (${modseqOf(user, 2)}))`]);
    // The expunge raised HIGHESTMODSEQ past every message's own.
    expect(highestModseq(select)).toBeGreaterThan(modseqOf(user, 2));
    expect(select.at(-1)).toBe('S3 OK [READ-WRITE] SELECT completed');

    // Known UIDs limit the report; nothing changed since the new HIGHESTMODSEQ.
    const later = highestModseq(select);
    expect(changes(await again.command('S4', `EXAMINE INBOX (QRESYNC (${uidValidity} ${known} 4:6))`))).toEqual(['* VANISHED (EARLIER) 5']);
    expect(changes(await again.command('S5', `EXAMINE INBOX (QRESYNC (${uidValidity} ${later}))`))).toEqual([]);
    // A UIDVALIDITY that does not match: the client must start over, nothing more is said.
    const stale = await again.command('S6', `SELECT INBOX (QRESYNC (${uidValidity + 1} ${known} 1:6))`);
    expect(stale[0]).toBe('* OK [CLOSED] Previous mailbox closed');
    expect(changes(stale)).toEqual([]);

    // UID FETCH … (CHANGEDSINCE … VANISHED) answers the same question for a UID set.
    expect(await again.command('F1', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${known} VANISHED)`)).toEqual([
      '* VANISHED (EARLIER) 3,5',
      `* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (${modseqOf(user, 2)}))`,
      'F1 OK UID FETCH completed',
    ]);
    again.close();
  });

  it('a QRESYNC session is told VANISHED in place of EXPUNGE, and its own EXPUNGE completes with HIGHESTMODSEQ', async () => {
    const { user } = await mailbox(5);
    const a = await qresyncClient(user);
    const b = await loggedIn(box.port('imap'), user);
    await a.command('A1', 'SELECT INBOX');
    await b.command('B1', 'SELECT INBOX');
    await b.command('B2', 'STORE 1,2,4 +FLAGS.SILENT (\\Deleted)');
    expect(await b.command('B3', 'EXPUNGE')).toEqual(['* 1 EXPUNGE', '* 1 EXPUNGE', '* 2 EXPUNGE', 'B3 OK EXPUNGE completed']);
    // §3.2.10: one VANISHED by UID, never during a FETCH by number.
    expect((await a.command('A2', 'FETCH 1 UID')).some((l) => l.includes('VANISHED'))).toBe(false);
    expect(await a.command('A3', 'NOOP')).toEqual(['* VANISHED 1:2,4', 'A3 OK NOOP completed']);
    await a.command('A4', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
    const before = box.store.modseq;
    const expunge = await a.command('A5', 'EXPUNGE');
    expect(expunge[0]).toBe('* VANISHED 5');
    const modseq = highestModseq(expunge);
    expect(modseq).toBeGreaterThan(before);
    // STATUS (HIGHESTMODSEQ) enables CONDSTORE (§3.1), so B is first told where its mailbox stands.
    expect(await b.command('B4', 'STATUS INBOX (HIGHESTMODSEQ)')).toEqual([
      `* OK [HIGHESTMODSEQ ${modseq}] Highest`,
      `* STATUS INBOX (HIGHESTMODSEQ ${modseq})`,
      '* 2 EXPUNGE',
      'B4 OK STATUS completed',
    ]);
    // RFC 6851 §4.4: MOVE too tells VANISHED and completes with the new HIGHESTMODSEQ.
    const archive = box.store.folder(user, 'Archive');
    const move = await a.command('A6', 'UID MOVE 3 Archive');
    expect(move.slice(0, 2)).toEqual([`* OK [COPYUID ${archive?.uidValidity} 3 1] Moved`, '* VANISHED 3']);
    expect(highestModseq(move.slice(2))).toBeGreaterThan(modseq);
    expect(move[2]).toMatch(/^A6 OK \[HIGHESTMODSEQ \d+\] UID MOVE completed$/);
    a.close();
    b.close();
  });

  it('past its bound the history is forgotten oldest first, and an older mod-sequence gets every known UID not present', async () => {
    const count = 2 * EXPUNGE_HISTORY_RANGES + 10;
    const { user, uidValidity } = await mailbox(count);
    const c = await qresyncClient(user);
    const before = highestModseq(await c.command('S1', 'EXAMINE INBOX'));
    // One expunge per odd UID: each a range of its own, more than the history keeps.
    const odd = Array.from({ length: count / 2 }, (_, i) => 2 * i + 1);
    let recent = 0;
    for (const uid of odd) {
      if (uid === count - 5) recent = box.store.modseq;
      await box.store.expunge(user, 'INBOX', [uid]);
    }
    const vanishedOf = (lines: readonly string[]) => lines.find((l) => l.startsWith('* VANISHED (EARLIER)'))?.slice(21).split(',').map(Number);
    expect(vanishedOf(await c.command('S2', `EXAMINE INBOX (QRESYNC (${uidValidity} ${before}))`))).toEqual(odd);
    // A client that synced recently is told only the latest expunges.
    expect(vanishedOf(await c.command('S3', `EXAMINE INBOX (QRESYNC (${uidValidity} ${recent} 1:${count}))`))).toEqual(odd.slice(-3));
    // §3.2.5.2: a matching (message number, UID) pair says the client knows every
    // expunge up to it, even when the history does not reach back.
    const sample = await c.command('S4', `EXAMINE INBOX (QRESYNC (${uidValidity} ${before} 1:${count} (10 20)))`);
    expect(vanishedOf(sample)).toEqual(odd.filter((uid) => uid > 20));
    c.close();
  });
});

describe('QRESYNC across a restart from --data-dir', () => {
  it('a client resyncing with a mod-sequence from before the restart is told every known UID that is gone, and later changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qresync-'));
    try {
      const user = 'restart@blue.com';
      const before = await startTestSandbox({ dataDir: dir });
      for (const n of [1, 2, 3, 4]) await deliver(before.store, `m${n}`, { to: user });
      const uidValidity = before.store.folder(user, 'INBOX')?.uidValidity ?? 0;
      const c = await loggedIn(before.port('imap'), user);
      await c.command('E1', 'ENABLE QRESYNC');
      await c.command('S1', 'SELECT INBOX');
      await c.command('S2', 'STORE 1,4 +FLAGS.SILENT (\\Deleted)');
      await c.command('S3', 'EXPUNGE');
      // The client's last word: HIGHESTMODSEQ after an expunge, a value no journal record holds.
      const known = highestModseq(await c.command('S4', 'SELECT INBOX'));
      await c.command('S5', 'LOGOUT');
      await before.stop(0);

      const after = await startTestSandbox({ dataDir: dir });
      try {
        await after.store.expunge(user, 'INBOX', [2]);
        const flagged = after.store.folderEntry(user, 'INBOX', 3)?.message;
        await after.store.setFlags([flagged?.id ?? ''], 'add', ['\\Flagged']);
        const again = await loggedIn(after.port('imap'), user);
        await again.command('E1', 'ENABLE QRESYNC');
        const select = await again.command('S1', `SELECT INBOX (QRESYNC (${uidValidity} ${known} 1:4))`);
        expect(changes(select)).toEqual(['* VANISHED (EARLIER) 1:2,4', `* 1 FETCH (UID 3 FLAGS (\\Flagged \\Recent) MODSEQ (${flagged?.modseq}))`]);
        expect(highestModseq(select)).toBeGreaterThan(known);
        again.close();
      } finally {
        await after.stop(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
