import type { FolderInfo } from '../store/folders.js';
import type { MailStore } from '../store/mail-store.js';
import { FolderKeyed } from './folder-keyed.js';
import { intersect, normalise, rangesOf, without, type UidRange } from './uid-ranges.js';

/**
 * UID ranges each folder remembers of its expunges. One expunge of scattered
 * messages costs one range per run of adjacent UIDs; past the bound the oldest
 * expunges are forgotten whole.
 */
export const EXPUNGE_HISTORY_RANGES = 1024;

interface Expunge {
  modseq: number;
  uids: readonly UidRange[];
}

class FolderHistory {
  readonly expunges: Expunge[] = [];
  ranges = 0;
  constructor(
    /** Expunges at or below this mod-sequence are not remembered. */
    public floor: number,
  ) {}

  get last(): number {
    return this.expunges[this.expunges.length - 1]?.modseq ?? 0;
  }

  add(expunge: Expunge): void {
    this.expunges.push(expunge);
    this.ranges += expunge.uids.length;
    while (this.ranges > EXPUNGE_HISTORY_RANGES) {
      const dropped = this.expunges.shift() as Expunge;
      this.ranges -= dropped.uids.length;
      this.floor = Math.max(this.floor, dropped.modseq);
    }
  }
}

/**
 * Which UIDs left each folder, at which mod-sequence (RFC 7162 §3.2.5 QRESYNC,
 * §3.2.6 UID FETCH VANISHED). Every expunge, whoever made it (IMAP, POP3, the web
 * inbox, pruning), takes a fresh mod-sequence of the store's (StoreEvents.unfiled), so
 * HIGHESTMODSEQ rises with it, to the same value on every node of a cluster.
 *
 * The history is bounded (EXPUNGE_HISTORY_RANGES) and lives in memory: a client
 * asking about changes older than what is kept (or from before this process
 * started) is told, as RFC 7162 §3.2.6 says, that every UID it names below UIDNEXT
 * and not in the folder has vanished.
 */
export class ExpungeHistory {
  readonly #folders: FolderKeyed<FolderHistory>;
  /** Changes before this process (a journal replay) are not known. */
  readonly #start: number;
  readonly #off: () => void;

  constructor(store: MailStore) {
    // Mod-sequences below #start (from before a restart: the journal jumps past them) get the all-known-UIDs answer.
    this.#start = store.modseq;
    this.#folders = new FolderKeyed(store);
    this.#off = store.on('unfiled', (e) => {
      // A login forgotten since (store/folders.ts; a shared store announces after its commit) has no history to keep.
      const folder = store.hasFolders(e.login) ? store.folder(e.login, e.folder) : undefined;
      if (!folder || e.uids.length === 0) return;
      // Pruning unfiles one message at a time, on the SMTP path: its range needs no sorting.
      const only = e.uids.length === 1 ? (e.uids[0] as number) : undefined;
      const uids = only !== undefined ? [[only, only] as const] : normalise(rangesOf([...e.uids].sort((a, b) => a - b)));
      this.#history(e.login, folder).add({ modseq: e.modseq, uids });
    });
  }

  #history(login: string, folder: FolderInfo): FolderHistory {
    let history = this.#folders.get(login, folder);
    if (!history) this.#folders.set(login, folder, (history = new FolderHistory(this.#start)));
    return history;
  }

  /** RFC 7162 HIGHESTMODSEQ: the highest mod-sequence of a message in the folder or of an expunge from it. */
  highestModseq(login: string, folder: FolderInfo): number {
    let max = Math.max(1, this.#folders.get(login, folder)?.last ?? 0);
    for (const entry of folder.entries) if (entry.message.modseq > max) max = entry.message.modseq;
    return max;
  }

  /**
   * The UIDs among `known` (normalised) that left the folder after mod-sequence
   * `since`; all of `known` below UIDNEXT not in the folder when the history does not
   * reach back that far.
   */
  vanished(login: string, folder: FolderInfo, since: number, known: readonly UidRange[]): UidRange[] {
    const history = this.#folders.get(login, folder) ?? new FolderHistory(this.#start);
    if (since < history.floor) {
      const ever = intersect(known, [[1, folder.uidNext - 1]]);
      return without(ever, folder.entries.map((e) => e.uid));
    }
    const gone: UidRange[] = [];
    for (let i = history.expunges.length - 1; i >= 0; i--) {
      const expunge = history.expunges[i] as Expunge;
      if (expunge.modseq <= since) break;
      gone.push(...expunge.uids);
    }
    return intersect(normalise(gone), known);
  }

  close(): void {
    this.#off();
  }
}
