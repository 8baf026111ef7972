import type { MailStore } from '../../server/store/mail-store.js';
import { heldBytes } from '../../server/store/memory-store.js';
import type { StoredMessage } from '../../server/store/types.js';

/**
 * Watches how code reads message bytes: every call of `store.readRaw` by code under
 * `fronts` is counted (other callers, such as the body indexer's reads after each
 * delivery, are not theirs), any call may be answered "gone", as for a message deleted
 * between its listing and the read of its bytes, and every read of a stored message's
 * `raw` made outside readRaw by code under `fronts` is recorded with its stack. For tests proving that fronts read bytes
 * only through readRaw, as a store keeping bodies outside the process needs.
 */
export class ReadRawWatch {
  /** Ids the watched code called readRaw with, in order. */
  readonly reads: string[] = [];
  /** Ids readRaw answers as gone. */
  readonly gone = new Set<string>();
  /** Stacks of reads of `raw` by the watched code other than through readRaw (and messages that could not be watched). */
  readonly strayReads: string[] = [];
  #insideReadRaw = false;

  /**
   * @param fronts matches a stack frame's path in the code watched (e.g. `/[\\/]server[\\/]imap[\\/]/`)
   * @param exempt matches the path of a frame reading `raw` that is not a front's read
   */
  constructor(
    private readonly store: MailStore,
    private readonly fronts: RegExp,
    private readonly exempt: RegExp = /[\\/]server[\\/]store[\\/]/,
  ) {
    // Before any message arrives, so each is watched before a front hears of it.
    store.on('delivered', ({ message }) => this.#watch(message));
    const readRaw = store.readRaw.bind(store);
    store.readRaw = (id) => {
      if (this.fronts.test(callStack())) this.reads.push(id);
      if (this.gone.has(id)) return Promise.resolve(undefined);
      return this.#unwatched(() => readRaw(id));
    };
  }

  /** What `run` read through readRaw (ids), and its result. */
  async readsOf<T>(run: () => Promise<T>): Promise<{ read: string[]; result: T }> {
    const before = this.reads.length;
    const result = await run();
    return { read: this.reads.slice(before), result };
  }

  /** The stored bytes, read without being counted or recorded. */
  bytes(id: string): Buffer {
    const message = this.store.get(id);
    const raw = this.#unwatched(() => message && heldBytes(message)?.raw);
    if (!raw) throw new Error(`no stored bytes for message ${id}`);
    return raw;
  }

  #unwatched<T>(read: () => T): T {
    this.#insideReadRaw = true;
    try {
      return read();
    } finally {
      this.#insideReadRaw = false;
    }
  }

  /** Only a memory store's record holds its bytes (as `raw`); that property is watched. */
  #watch(message: StoredMessage): void {
    const holder = heldBytes(message);
    // A listener's throw would be swallowed by the store's emitter: recorded, it fails the test.
    if (!holder) return void this.strayReads.push(`message ${message.id} holds no bytes to watch: a memory store keeping them is needed`);
    let raw = holder.raw;
    const watch = this;
    Object.defineProperty(holder, 'raw', {
      configurable: true,
      enumerable: true,
      get() {
        if (!watch.#insideReadRaw) watch.#check();
        return raw;
      },
      set(value: Buffer) {
        raw = value;
      },
    });
  }

  #check(): void {
    const stack = callStack();
    // The frame that read `raw`, after callStack's, this method's and the getter's.
    const reader = stack.split('\n')[4] ?? '';
    if (this.fronts.test(stack) && !this.exempt.test(reader)) this.strayReads.push(stack);
  }
}

/** The stack here, deep enough to reach a front under a framework's frames. */
function callStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const stack = new Error('raw read').stack ?? '';
  Error.stackTraceLimit = limit;
  return stack;
}
