import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * An append-only file with group commit: records are buffered as they come, and one
 * write plus one fdatasync makes a whole batch durable, so many SMTP sessions share
 * each disk flush instead of paying one each.
 */
export class JournalFile {
  #pending: Buffer[] = [];
  #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  #running: Promise<void> | undefined;
  #failed: Error | undefined;

  private constructor(private readonly handle: FileHandle) {}

  /** Opens a journal for appending, cutting a torn tail at `validLength` first. */
  static async open(path: string, validLength: number): Promise<JournalFile> {
    const handle = await open(path, 'a+');
    const { size } = await handle.stat();
    if (size > validLength) {
      await handle.truncate(validLength);
      await handle.sync();
    }
    return new JournalFile(handle);
  }

  /** Writes a whole new journal beside `path`, syncs it, and renames it into place. */
  static async replace(path: string, frames: Iterable<Buffer>): Promise<void> {
    const temporary = path + '.new';
    const handle = await open(temporary, 'w');
    try {
      let batch: Buffer[] = [];
      let bytes = 0;
      for (const frame of frames) {
        batch.push(frame);
        bytes += frame.length;
        if (bytes >= 4 * 1024 * 1024) {
          await handle.write(Buffer.concat(batch));
          batch = [];
          bytes = 0;
        }
      }
      if (batch.length > 0) await handle.write(Buffer.concat(batch));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    await syncDirectory(dirname(path));
  }

  /** Queues a record; it is written with the batch in flight's successor, committed or not. */
  append(frame: Buffer): void {
    this.#pending.push(frame);
    if (!this.#failed) this.#running ??= this.#drain();
  }

  /** Resolves when everything appended so far is on disk; rejects if the disk refused it. */
  commit(): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#pending.length === 0 && !this.#running) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  async close(): Promise<void> {
    await this.commit().catch(() => undefined);
    await this.handle.close();
  }

  async #drain(): Promise<void> {
    try {
      // Waiters that arrive during a flush wait for the next one, which carries their records.
      while (this.#pending.length > 0 || this.#waiters.length > 0) {
        const frames = this.#pending;
        const waiters = this.#waiters;
        this.#pending = [];
        this.#waiters = [];
        try {
          if (frames.length > 0) {
            await this.handle.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
            await this.handle.datasync();
          }
          for (const waiter of waiters) waiter.resolve();
        } catch (error) {
          this.#failed = error as Error;
          for (const waiter of [...waiters, ...this.#waiters]) waiter.reject(this.#failed);
          this.#waiters = [];
          return;
        }
      }
    } finally {
      this.#running = undefined;
    }
  }
}

/** fsync a directory so a rename in it survives a crash. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
