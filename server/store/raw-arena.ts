/**
 * Where the memory store keeps message bytes. A small message's bytes are copied into
 * a large shared slab rather than kept as the buffer they arrived in: a buffer of its
 * own costs a backing store, an ArrayBuffer object and a malloc block per message (and
 * a message cut from a socket read keeps the whole read alive), which for a 2 KB
 * message is a quarter again of its size. A slab's bytes are never reused: a reader
 * still holding a removed message's bytes keeps reading them unchanged. A slab that
 * removals have mostly emptied has its remaining messages moved to the current slab,
 * so the slabs alive never hold more than 1 / MOVE_BELOW times the bytes stored.
 */

/** Slab size: large enough that its own cost is small per message, small enough to hand back soon. */
const SLAB_BYTES = 256 * 1024;
/** Larger messages keep a buffer of their own, right-sized. */
const SHARED_MAX = 16 * 1024;
/** A slab whose live bytes fall under this share of its filled bytes has them moved out. */
const MOVE_BELOW = 0.25;

/**
 * Every live slab of every arena in this process. Bytes already in a slab are kept as
 * they are by any store: with team inboxes a message filed in several inboxes (each a
 * store with its own arena) holds its bytes once. Its first store's arena accounts for
 * them; the other stores hold a view, which keeps the slab alive for as long as they
 * hold it (its bytes are never reused, so the view stays right).
 */
const SLABS = new WeakSet<ArrayBufferLike>();

/** Something that keeps bytes from the arena; its bytes are replaced when they move. */
export interface RawHolder {
  raw: Buffer;
}

interface Slab<T> {
  readonly bytes: Buffer;
  used: number;
  live: number;
  readonly holders: T[];
}

export class RawArena<T extends RawHolder> {
  #current: Slab<T> | undefined;
  readonly #slabs = new Map<ArrayBufferLike, Slab<T>>();

  /** @param alive whether a holder still keeps its bytes (decides what a move copies). */
  constructor(private readonly alive: (holder: T) => boolean) {}

  /** The bytes `holder` keeps: a copy of `raw` in a slab, or `raw` itself (right-sized) when large. */
  keep(raw: Buffer, holder: T): Buffer {
    if (SLABS.has(raw.buffer)) return raw;
    if (raw.length > SHARED_MAX) return raw.byteOffset === 0 && raw.buffer.byteLength === raw.length ? raw : Buffer.from(raw);
    let slab = this.#current;
    if (!slab || slab.used + raw.length > slab.bytes.length) {
      slab = { bytes: Buffer.allocUnsafeSlow(SLAB_BYTES), used: 0, live: 0, holders: [] };
      this.#slabs.set(slab.bytes.buffer, slab);
      SLABS.add(slab.bytes.buffer);
      this.#current = slab;
    }
    const kept = slab.bytes.subarray(slab.used, slab.used + raw.length);
    raw.copy(kept);
    slab.used += raw.length;
    slab.live += raw.length;
    slab.holders.push(holder);
    return kept;
  }

  /** The holder's bytes left the store (call once the holder is no longer alive). */
  release(raw: Buffer): void {
    const slab = this.#slabs.get(raw.buffer);
    if (!slab) return;
    slab.live -= raw.length;
    if (slab.live > 0 && (slab === this.#current || slab.live >= slab.used * MOVE_BELOW)) return;
    this.#slabs.delete(raw.buffer);
    // Retired first, so moving its holders below copies their bytes out of it.
    SLABS.delete(raw.buffer);
    if (slab === this.#current) this.#current = undefined;
    for (const holder of slab.holders) {
      if (holder.raw.buffer === slab.bytes.buffer && this.alive(holder)) holder.raw = this.keep(holder.raw, holder);
    }
  }

  /** Every holder left (delete all). */
  clear(): void {
    this.#slabs.clear();
    this.#current = undefined;
  }
}
