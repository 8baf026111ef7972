/**
 * With --data-dir, the release history outlives a restart: every change to a release
 * (begun, an attempt made, finished) is appended to `releases.lbx` in the data folder
 * as the release's whole record, framed and checksummed like the store's journal (a
 * torn last record is skipped at start). At start the last version of each release
 * whose message is still in the store is loaded, and the file is rewritten with only
 * those; while running it is compacted when it has grown well past them.
 */
import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import type { MailStore } from '../store/mail-store.js';
import { Compaction, COMPACTION_FLOOR } from '../store/journal/compaction.js';
import { noticeDamage } from '../store/journal/damage-notice.js';
import { decodeFrames, encodeFrame, type FrameDamage } from '../store/journal/frame-codec.js';
import { JournalFile } from '../store/journal/journal-file.js';
import type { ReleaseAttempt, ReleaseHistory, ReleaseRecipient, ReleaseRecord } from './release-history.js';
import type { ReleaseService } from './release-service.js';

/** The release journal's file name in a --data-dir folder. */
export const RELEASE_JOURNAL = 'releases.lbx';
/**
 * The events after which a release is saved. A retry being scheduled is not one: a
 * restart closes such a release anyway (see closeUnfinished). With --database the
 * other nodes show it, so shared-releases.ts saves that too.
 */
export const RELEASE_CHANGES = ['started', 'attempt', 'finished'] as const;

export interface ReleaseJournalOptions {
  /** Bytes the file may always grow to before it is compacted while running. */
  compactionFloor?: number;
}

export class ReleaseJournal {
  readonly #journal: JournalFile;
  readonly #compaction: Compaction;
  readonly #store: MailStore;
  readonly #history: ReleaseHistory;
  /** Every frame encoded so far, for the mean size of a release's record. */
  #framedBytes = 0;
  #framed = 0;
  readonly #off: Array<() => void>;
  #closed = false;

  /** Loads the saved history into the service's and starts recording its changes. */
  static async open(dataDir: string, service: ReleaseService, store: MailStore, logger: Logger, options: ReleaseJournalOptions = {}): Promise<ReleaseJournal> {
    const path = join(dataDir, RELEASE_JOURNAL);
    const { releases, tornBytes, damage } = savedReleases(await JournalFile.read(path));
    await noticeDamage(path, 'release journal', damage, tornBytes, logger, { releasesRecovered: releases.length });
    for (const record of releases) {
      if (!store.get(record.messageId)) continue;
      closeUnfinished(record);
      service.history.add(record);
    }
    const snapshot = [...service.history.records()].map(encodeRelease);
    // Releases that change while the file is being written are saved once it is open.
    const changed = new Set<ReleaseRecord>();
    const note = ({ record }: { record: ReleaseRecord }) => void changed.add(record);
    const offs = RELEASE_CHANGES.map((event) => service.on(event, note));
    try {
      const file = await JournalFile.create(path, snapshot);
      const journal = new ReleaseJournal(file, service, store, logger, options.compactionFloor ?? COMPACTION_FLOOR);
      journal.#count(snapshot);
      for (const record of changed) journal.#save(record);
      return journal;
    } finally {
      for (const off of offs) off();
    }
  }

  private constructor(journal: JournalFile, service: ReleaseService, store: MailStore, logger: Logger, floor: number) {
    this.#journal = journal;
    this.#store = store;
    this.#history = service.history;
    this.#compaction = new Compaction(journal, {
      // An estimate is enough (see Compaction): the releases kept, at the mean record size.
      liveBytes: () => (this.#history.releases * this.#framedBytes) / Math.max(1, this.#framed),
      snapshot: () => this.#snapshot(),
      floor,
      name: RELEASE_JOURNAL,
      logger,
    });
    const save = ({ record }: { record: ReleaseRecord }) => this.#save(record);
    this.#off = RELEASE_CHANGES.map((event) => service.on(event, save));
  }

  /** Resolves when no compaction is running. */
  compacted(): Promise<void> {
    return this.#compaction.idle();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const off of this.#off.splice(0)) off();
    await this.#journal.close();
  }

  #save(record: ReleaseRecord): void {
    // A release cancelled because its message left the store has nothing left to keep.
    if (this.#closed || !this.#store.get(record.messageId)) return;
    const frame = encodeRelease(record);
    this.#journal.append(frame);
    this.#count([frame]);
    this.#compaction.check();
  }

  /** Every release remembered, encoded now (they change in place, so they cannot wait for the writer). */
  #snapshot(): Buffer[] {
    const frames = [...this.#history.records()].map(encodeRelease);
    this.#count(frames);
    return frames;
  }

  #count(frames: readonly Buffer[]): void {
    for (const frame of frames) this.#framedBytes += frame.length;
    this.#framed += frames.length;
  }
}

/**
 * The releases a release journal's bytes hold: the last saved state of each (a release
 * is saved whole at each change), in the order they began, and the bytes of a write a
 * crash cut short at its end, which are left out.
 */
export function savedReleases(data: Buffer): { releases: ReleaseRecord[]; tornBytes: number; damage: FrameDamage } {
  const { frames, validLength, damage } = decodeFrames(data);
  const latest = new Map<string, ReleaseRecord>();
  for (const { json } of frames) {
    const record = reviveRelease(json);
    if (record) latest.set(record.id, record);
  }
  return { releases: [...latest.values()], tornBytes: data.length - validLength, damage };
}

function encodeRelease(record: ReleaseRecord): Buffer {
  // Dates become ISO strings in JSON; reviveRelease turns them back.
  return encodeFrame({ t: 'release', release: record });
}

/**
 * A release the restart interrupted is closed, not resumed. Release sends real mail,
 * and a sandbox is often restarted precisely to change or stop that (other release
 * settings, a narrower allow-list): it should not send on its own later. Mailpit
 * releases once while the user waits and GreenMail keeps no queue, so neither
 * resumes either. The reply says what happened; releasing again is one click.
 */
export function closeUnfinished(record: ReleaseRecord): void {
  if (record.state === 'done' || record.state === 'cancelled') return;
  for (const recipient of record.recipients) {
    if (recipient.state !== 'pending' && recipient.state !== 'retrying') continue;
    const last = recipient.reply ? ` (last reply: ${recipient.reply})` : '';
    recipient.state = 'failed';
    recipient.reply = `abandoned: Letterbox stopped before this release was over${last}; release the message again to retry`;
    recipient.nextAttemptAt = null;
  }
  record.state = 'done';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A saved release, or undefined for a record this version does not know. */
export function reviveRelease(json: unknown): ReleaseRecord | undefined {
  if (!isObject(json) || json['t'] !== 'release' || !isObject(json['release'])) return undefined;
  const saved = json['release'];
  const { id, messageId, requestedAt, recipients, attempts } = saved;
  if (typeof id !== 'string' || typeof messageId !== 'string' || typeof requestedAt !== 'string') return undefined;
  if (!Array.isArray(recipients) || !Array.isArray(attempts) || !recipients.every(isObject) || !attempts.every(isObject)) return undefined;
  return {
    ...(saved as unknown as ReleaseRecord),
    requestedAt: new Date(requestedAt),
    recipients: recipients.map((r) => ({ ...(r as unknown as ReleaseRecipient), nextAttemptAt: typeof r['nextAttemptAt'] === 'string' ? new Date(r['nextAttemptAt']) : null })),
    attempts: attempts.map((a) => ({ ...(a as unknown as ReleaseAttempt), time: new Date(String(a['time'])) })),
  };
}
