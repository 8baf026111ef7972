/**
 * Inboxes made through the admin API, and where they are kept so they (and their SMTP
 * credential, as a bcrypt hash) last as their mail does: in this process only; in
 * `<data-dir>/inboxes/dynamic.json`; or, with --database, in the database, where every
 * node sees the same ones (store/postgres/inbox-table.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogFields, Logger } from '../lib/log.js';
import { INBOX_NAME } from './types.js';

export interface DynamicInbox {
  readonly name: string;
  readonly smtpUser: string;
  /** bcrypt hash of the SMTP password. */
  readonly smtpHash: string;
  /** Epoch milliseconds, or null for no TTL. */
  readonly expiresAt: number | null;
}

/** Where the directory keeps the inboxes made through the admin API. */
export interface DynamicInboxRegistry {
  /** The inboxes kept now. */
  list(): Promise<DynamicInbox[]>;
  /** Keeps a new inbox; false when its name is taken already (another node made it first). */
  add(inbox: DynamicInbox): Promise<boolean>;
  /** Forgets an inbox; true when this call did (its caller then empties the mail, once). */
  remove(inbox: DynamicInbox): Promise<boolean>;
  /**
   * Shared with other nodes: calls `changed` when they may have made or removed one, so
   * the directory reads `list()` again. Absent when only this process writes the list.
   */
  watch?(changed: () => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * The list in this process, saved to `<dataDir>/inboxes/dynamic.json` when there is a
 * data directory. The file is written whole to a temporary name and renamed, so a crash
 * leaves the old list or the new one, never half of one.
 */
export function localRegistry(dataDir: string | null, logger: Logger): DynamicInboxRegistry {
  const kept = new Map<string, DynamicInbox>();
  const save = dataDir ? dynamicInboxWriter(dataDir, logger) : () => Promise.resolve();
  return {
    async list() {
      for (const inbox of dataDir ? await readDynamicInboxes(dataDir, logger) : []) kept.set(inbox.name, inbox);
      return [...kept.values()];
    },
    async add(inbox) {
      if (kept.has(inbox.name)) return false;
      kept.set(inbox.name, inbox);
      await save([...kept.values()]);
      return true;
    },
    async remove(inbox) {
      if (kept.get(inbox.name) !== inbox) return false;
      kept.delete(inbox.name);
      await save([...kept.values()]);
      return true;
    },
    close: () => Promise.resolve(),
  };
}

/** The saved list's name in `<data-dir>/inboxes/`. */
const DYNAMIC_INBOXES_FILE = 'dynamic.json';

/**
 * The saved list; a damaged file is logged, moved aside (the next save would otherwise write
 * over the only copy of those inboxes' credentials) and read as empty rather than stopping the start.
 */
async function readDynamicInboxes(dataDir: string, logger: Logger): Promise<DynamicInbox[]> {
  const saved = await readSavedInboxes(dataDir, logger);
  if ('inboxes' in saved) return saved.inboxes;
  const aside = `${saved.path}.damaged-${Date.now()}`;
  const kept = await rename(saved.path, aside).then(() => aside, () => saved.path);
  logger.error('the list of inboxes made through the API is damaged; they are not restored', { file: kept, error: saved.damaged });
  return [];
}

/** The saved list of a data directory as read: its well-formed inboxes (none without a file), or why it is damaged. */
export type SavedInboxes = { path: string; inboxes: DynamicInbox[] } | { path: string; damaged: Error };

/** Reads `<dataDir>/inboxes/dynamic.json` (only reads it); its entries go through wellFormedInboxes. */
export async function readSavedInboxes(dataDir: string, logger: Logger): Promise<SavedInboxes> {
  const path = join(dataDir, 'inboxes', DYNAMIC_INBOXES_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path, inboxes: [] };
    throw error;
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
    if (!Array.isArray(list)) throw new Error('not a list');
  } catch (error) {
    return { path, damaged: error instanceof Error ? error : new Error(String(error)) };
  }
  return { path, inboxes: wellFormedInboxes(list, logger, { file: path }) };
}

/**
 * The entries that are inboxes this version makes (isDynamicInbox), from a saved list
 * or a database's rows; each other one is left out and logged by its name only,
 * escaped (the rest may hold a password hash), once per `told` when given.
 */
export function wellFormedInboxes(entries: readonly unknown[], logger: Logger, where: LogFields = {}, told?: Set<string>): DynamicInbox[] {
  return entries.filter((entry): entry is DynamicInbox => {
    if (isDynamicInbox(entry)) return true;
    const name = JSON.stringify(String((entry as { name?: unknown } | null)?.name)).slice(0, 80);
    if (!told?.has(name)) logger.warn('an inbox kept for the API is not well formed; it is left out', { name, ...where });
    told?.add(name);
    return false;
  });
}

/**
 * Whether a kept inbox is one this version makes (directory.ts): a valid name, an SMTP
 * user of the name and 8 hex digits, a bcrypt hash. A registry is read strictly, as any
 * input: another version's entry or one written by hand is refused, not guessed at.
 */
function isDynamicInbox(value: unknown): value is DynamicInbox {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === 'string' &&
    INBOX_NAME.test(v.name) &&
    typeof v.smtpUser === 'string' &&
    v.smtpUser.startsWith(`${v.name}.`) &&
    /^[0-9a-f]{8}$/.test(v.smtpUser.slice(v.name.length + 1)) &&
    typeof v.smtpHash === 'string' &&
    BCRYPT_HASH.test(v.smtpHash) &&
    (v.expiresAt === null || (typeof v.expiresAt === 'number' && Number.isFinite(v.expiresAt)))
  );
}

/** bcrypt's modular crypt form: version, cost, 22 characters of salt and 31 of hash. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Writes the list; calls are queued so the last one wins on disk as it did in memory. */
function dynamicInboxWriter(dataDir: string, logger: Logger): (list: readonly DynamicInbox[]) => Promise<void> {
  let chain: Promise<void> = Promise.resolve();
  const folder = join(dataDir, 'inboxes');
  return (list) => {
    const text = JSON.stringify(list, null, 2) + '\n';
    chain = chain
      .then(async () => {
        await mkdir(folder, { recursive: true });
        const temporary = join(folder, `${DYNAMIC_INBOXES_FILE}.${randomBytes(4).toString('hex')}.tmp`);
        await writeFile(temporary, text, { mode: 0o600 });
        await rename(temporary, join(folder, DYNAMIC_INBOXES_FILE));
      })
      .catch((error: unknown) => logger.error('cannot save the list of inboxes made through the API', { error }));
    return chain;
  };
}
