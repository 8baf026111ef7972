import { constants } from 'node:fs';
import { copyFile, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Frames gathered into one write while copying a snapshot: encoding them holds the event loop (about 12 ms a megabyte of small records). */
const WRITE_BATCH = 1024 * 1024;
/** A rewrite catches up on appends until this little is left for the handover, which appends wait for. */
const HANDOVER_BYTES = 256 * 1024;
const CATCH_UP_ROUNDS = 8;

interface Turn {
  run(): Promise<void>;
  reject(error: Error): void;
}

/**
 * An append-only file with group commit: records are buffered as they come, and one
 * write plus one fdatasync makes a whole batch durable, so many SMTP sessions share
 * each disk flush instead of paying one each.
 *
 * It can also be rewritten while in use (compaction, see rewrite()): the new file is
 * written beside it and renamed over it, and appends carry on meanwhile.
 */
export class JournalFile {
  #handle: FileHandle;
  readonly #path: string;
  /** Bytes in the file, counting those queued for it. */
  #size: number;
  #pending: Buffer[] = [];
  #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  #running: Promise<void> | undefined;
  #failed: Error | undefined;
  /** While a rewrite runs: the frames appended since it began, which the new file must hold too. */
  #carried: Buffer[] | undefined;
  #rewrite: Promise<number> | undefined;
  /** Work that must run between two flushes (the rewrite's handover). */
  #turn: Turn | undefined;
  #closing = false;

  private constructor(handle: FileHandle, path: string, size: number) {
    this.#handle = handle;
    this.#path = path;
    this.#size = size;
  }

  /**
   * A journal's bytes, empty when there is none yet. A compacted file that a crash
   * left half-written beside it is deleted: the journal itself is still whole.
   */
  static async read(path: string): Promise<Buffer> {
    await rm(temporaryOf(path), { force: true });
    return JournalFile.readOnly(path);
  }

  /** A journal's bytes, empty when there is none, leaving its folder exactly as it is (letterbox migrate). */
  static async readOnly(path: string): Promise<Buffer> {
    return readFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return Buffer.alloc(0);
      throw error;
    });
  }

  /**
   * Copies a damaged journal beside itself as `<name>.damaged-<UTC time>` before it is
   * rewritten from what could be read, so the bytes that could not be are never lost;
   * returns the copy's path. The copy is synced, and so is the folder, before the caller
   * replaces the journal.
   */
  static async keepDamaged(path: string, now = new Date()): Promise<string> {
    // ISO 8601 without its colons, which some file systems refuse.
    const stamp = now.toISOString().replace(/:/g, '-');
    for (let attempt = 0; ; attempt++) {
      const copy = `${path}.damaged-${stamp}${attempt > 0 ? `-${attempt}` : ''}`;
      try {
        await copyFile(path, copy, constants.COPYFILE_EXCL);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 100) continue;
        throw error;
      }
      const handle = await open(copy, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await syncDirectory(dirname(path));
      return copy;
    }
  }

  /** Writes `frames` as the whole journal (atomically, see replace) and opens it for appending. */
  static async create(path: string, frames: Iterable<Buffer>): Promise<JournalFile> {
    const size = await replace(path, frames);
    return new JournalFile(await open(path, 'a'), path, size);
  }

  get size(): number {
    return this.#size;
  }

  /** The error the disk refused a write with; every commit rejects with it from then on. */
  get failed(): Error | undefined {
    return this.#failed;
  }

  /** Whether close() was called: no rewrite starts any more. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Queues a record; it is written with the batch in flight's successor, committed or not. */
  append(frame: Buffer): void {
    this.#pending.push(frame);
    this.#carried?.push(frame);
    this.#size += frame.length;
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

  /**
   * Replaces the journal by `frames` (the state as it was when this is called, see
   * the store's snapshot) followed by every frame appended from now on; resolves with
   * the new file's size.
   *
   * The snapshot goes to a temporary file while appends carry on into the old one,
   * each commit waiting for its own fsync as usual. Then, between two flushes, what was
   * appended meanwhile is copied over, the new file is fsynced and renamed over the
   * old one, and the directory is fsynced. Until the rename the old file is the whole
   * journal; from it on the new one is, so a crash at any moment loses no commit.
   */
  rewrite(frames: Iterable<Buffer>): Promise<number> {
    if (this.#rewrite || this.#closing) return Promise.reject(new Error('the journal is being rewritten or closed'));
    if (this.#failed) return Promise.reject(this.#failed);
    const rewrite = this.#rewriteInto(temporaryOf(this.#path), frames).finally(() => (this.#rewrite = undefined));
    this.#rewrite = rewrite;
    return rewrite;
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#rewrite?.catch(() => undefined);
    await this.commit().catch(() => undefined);
    await this.#handle.close();
  }

  async #rewriteInto(temporary: string, frames: Iterable<Buffer>): Promise<number> {
    this.#carried = [];
    let handle: FileHandle | undefined;
    let renamed = false;
    try {
      handle = await open(temporary, 'w');
      let written = await writeFrames(handle, frames);
      for (let round = 0; round < CATCH_UP_ROUNDS && byteLength(this.#carried) > HANDOVER_BYTES; round++) {
        const batch = this.#carried ?? [];
        this.#carried = [];
        written += await writeFrames(handle, batch);
      }
      await handle.sync();
      const fresh = handle;
      return await this.#between(async () => {
        // Everything appended before this turn is in the old file now; the frames still
        // pending came during that last flush and will be flushed to the new file.
        const carried = this.#carried ?? [];
        this.#carried = undefined;
        written += await writeFrames(fresh, carried.slice(0, carried.length - this.#pending.length));
        await fresh.datasync();
        await rename(temporary, this.#path);
        renamed = true;
        const old = this.#handle;
        this.#handle = fresh;
        handle = undefined;
        this.#size = written + byteLength(this.#pending);
        await old.close().catch(() => undefined);
        try {
          await syncDirectory(dirname(this.#path));
        } catch (error) {
          // The rename may not survive a crash, and the old file lacks what comes next.
          this.#fail(error as Error);
          throw error;
        }
        return written;
      });
    } catch (error) {
      this.#carried = undefined;
      await handle?.close().catch(() => undefined);
      if (!renamed) await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Runs `work` in the drain after the next flush, so no write is in flight meanwhile; appends wait for it. */
  #between<T>(work: () => Promise<T>): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise<T>((resolve, reject) => {
      this.#turn = { run: () => work().then(resolve, reject), reject };
      this.#running ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    try {
      // Waiters that arrive during a flush wait for the next one, which carries their records.
      while (this.#pending.length > 0 || this.#waiters.length > 0 || this.#turn) {
        const frames = this.#pending;
        const waiters = this.#waiters;
        const turn = this.#turn;
        this.#pending = [];
        this.#waiters = [];
        this.#turn = undefined;
        try {
          if (frames.length > 0) {
            await writeAll(this.#handle, frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
            await this.#handle.datasync();
          }
        } catch (error) {
          this.#fail(error as Error, [...waiters, ...(turn ? [turn] : [])]);
          return;
        }
        for (const waiter of waiters) waiter.resolve();
        await turn?.run();
        if (this.#failed) return;
      }
    } finally {
      this.#running = undefined;
    }
  }

  /** The disk refused a write: every commit from now on rejects. */
  #fail(error: Error, waiting: ReadonlyArray<{ reject: (error: Error) => void }> = []): void {
    this.#failed = error;
    for (const waiter of [...waiting, ...this.#waiters]) waiter.reject(error);
    this.#turn?.reject(error);
    this.#waiters = [];
    this.#turn = undefined;
  }
}

/** Writes a whole new journal beside `path`, syncs it, and renames it into place; returns its size. */
async function replace(path: string, frames: Iterable<Buffer>): Promise<number> {
  const temporary = temporaryOf(path);
  const handle = await open(temporary, 'w');
  let size: number;
  try {
    size = await writeFrames(handle, frames);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncDirectory(dirname(path));
  return size;
}

function temporaryOf(path: string): string {
  return path + '.new';
}

/** Writes frames in large batches; returns the bytes written. */
async function writeFrames(handle: FileHandle, frames: Iterable<Buffer>): Promise<number> {
  let batch: Buffer[] = [];
  let bytes = 0;
  let total = 0;
  for (const frame of frames) {
    batch.push(frame);
    bytes += frame.length;
    if (bytes >= WRITE_BATCH) {
      await writeAll(handle, Buffer.concat(batch));
      total += bytes;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) await writeAll(handle, Buffer.concat(batch));
  return total + bytes;
}

/** A short write (a full disk) would leave half a record that hides every later one: finish it or fail. */
async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset);
    if (bytesWritten === 0) throw new Error('the journal could not be written (no progress)');
    offset += bytesWritten;
  }
}

function byteLength(frames: readonly Buffer[] | undefined): number {
  let total = 0;
  for (const frame of frames ?? []) total += frame.length;
  return total;
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
