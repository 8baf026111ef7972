import type { CommandEntry } from '../command.js';
import { anyStateCommands } from './any-state.js';
import { appendCommands } from './append.js';
import { authCommands } from './auth.js';
import { cancelUpdateCommands } from './cancel-update.js';
import { copyMoveCommands } from './copy-move.js';
import { fetchCommands } from './fetch.js';
import { idleCommands } from './idle.js';
import { listCommands } from './list.js';
import { mailboxCommands } from './mailboxes.js';
import { notifyCommands } from './notify.js';
import { searchCommands } from './search.js';
import { selectedCommands } from './selected.js';
import { sortCommands } from './sort.js';
import { storeCommands } from './store.js';
import { threadCommands } from './thread.js';

/** The command table: every command by name (`UID FETCH` for UID variants). */
export const COMMANDS: ReadonlyMap<string, CommandEntry> = new Map(
  [
    ...anyStateCommands,
    ...authCommands,
    ...mailboxCommands,
    ...listCommands,
    ...appendCommands,
    ...selectedCommands,
    ...searchCommands,
    ...sortCommands,
    ...threadCommands,
    ...cancelUpdateCommands,
    ...fetchCommands,
    ...storeCommands,
    ...copyMoveCommands,
    ...idleCommands,
    ...notifyCommands,
  ].map((entry) => [entry.name, entry]),
);
