import type { FolderInfo } from '../store/folders.js';
import { mailboxKey } from '../store/login.js';
import type { MailStore } from '../store/mail-store.js';

/** Values kept before the first sweep for folders that are gone. */
const SWEEP_FLOOR = 256;

/**
 * Values the IMAP front keeps per folder of a store (expunge history, \Recent claims),
 * by the folder's login and UIDVALIDITY rather than by its object: a folder keeps both
 * through a rename, a new folder never shares them (RFC 3501 §2.3.1.1), and a shared
 * backend that rebuilds its index (PgStore) gives the same folder a new object with
 * both unchanged. Values of folders that no longer exist are swept out as new ones
 * come, so a client making and deleting folders cannot grow this without bound.
 */
export class FolderKeyed<T> {
  readonly #values = new Map<string, { login: string; uidValidity: number; value: T }>();
  #sweepAt = SWEEP_FLOOR;

  constructor(private readonly store: Pick<MailStore, 'listFolders' | 'hasFolders'>) {}

  /** Folders with a value, some of them perhaps gone since the last sweep. */
  get size(): number {
    return this.#values.size;
  }

  get(login: string, folder: FolderInfo): T | undefined {
    return this.#values.get(keyOf(mailboxKey(login), folder.uidValidity))?.value;
  }

  set(login: string, folder: FolderInfo, value: T): void {
    const owner = mailboxKey(login);
    const key = keyOf(owner, folder.uidValidity);
    if (!this.#values.has(key) && this.#values.size >= this.#sweepAt) this.#sweep();
    this.#values.set(key, { login: owner, uidValidity: folder.uidValidity, value });
  }

  #sweep(): void {
    const live = new Map<string, Set<number>>();
    for (const [key, { login, uidValidity }] of this.#values) {
      let validities = live.get(login);
      if (!validities) {
        // A login forgotten with its folders (store/folders.ts) is not made again by asking.
        const folders = this.store.hasFolders(login) ? this.store.listFolders(login) : [];
        live.set(login, (validities = new Set(folders.map((f) => f.uidValidity))));
      }
      if (!validities.has(uidValidity)) this.#values.delete(key);
    }
    this.#sweepAt = Math.max(SWEEP_FLOOR, 2 * this.#values.size);
  }
}

/** `login` already a mailbox key (store/login.ts). */
const keyOf = (login: string, uidValidity: number) => `${login}\n${uidValidity}`;
