/**
 * Re-reads the --inboxes file on SIGHUP (main.ts) and when it changes on disk. A file
 * that is refused leaves the configuration in force as it is and says why in one log
 * line; a good one is applied in place (directory.apply).
 *
 * The folder is watched rather than the file: editors and config tools replace a file
 * by writing another and renaming it over, which ends a watch on the old file. Changes
 * are gathered for DEBOUNCE_MS, so one save (often several events) is one reload.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../lib/log.js';
import type { ManagedInboxDirectory } from './directory.js';
import { loadInboxesFile } from './inboxes-file.js';

const DEBOUNCE_MS = 100;

export interface InboxesReloader {
  /** Reads the file and applies it; false (and one log line) when it is refused. Reloads never overlap. */
  reload(): Promise<boolean>;
  /** Starts watching the file. */
  watch(): void;
  close(): void;
}

export function inboxesReloader(path: string, directory: ManagedInboxDirectory, logger: Logger): InboxesReloader {
  let running: Promise<boolean> = Promise.resolve(true);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;

  const once = async (): Promise<boolean> => {
    try {
      const file = await loadInboxesFile(path);
      await directory.apply(file);
      logger.info('inboxes file reloaded', { file: path, inboxes: file.inboxes.size, users: file.users.size });
      return true;
    } catch (error) {
      logger.error(`inboxes file refused, the configuration in force is kept: ${(error as Error).message}`);
      return false;
    }
  };

  const reload = () => (running = running.then(once));

  return {
    reload,
    watch() {
      if (watcher) return;
      const name = basename(path);
      try {
        watcher = watch(dirname(path), (_event, changed) => {
          if (changed !== null && changed !== name) return;
          clearTimeout(timer);
          timer = setTimeout(() => void reload(), DEBOUNCE_MS);
        });
        watcher.on('error', (error) => logger.warn('watching the inboxes file stopped; SIGHUP still reloads it', { error }));
      } catch (error) {
        logger.warn('cannot watch the inboxes file; SIGHUP still reloads it', { file: path, error });
      }
    },
    close() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
