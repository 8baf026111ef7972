import type { CommandEntry } from '../command.js';
import { anyStateCommands } from './any-state.js';
import { appendCommands } from './append.js';
import { authCommands } from './auth.js';
import { cancelUpdateCommands } from './cancel-update.js';
import { copyMoveCommands } from './copy-move.js';
import { createCommands } from './create.js';
import { deleteCommands } from './delete.js';
import { fetchCommands } from './fetch.js';
import { idleCommands } from './idle.js';
import { listCommands } from './list.js';
import { namespaceCommands } from './namespace.js';
import { notifyCommands } from './notify.js';
import { renameCommands } from './rename.js';
import { searchCommands } from './search.js';
import { selectCommands } from './select.js';
import { selectedCommands } from './selected.js';
import { sortCommands } from './sort.js';
import { statusCommands } from './status.js';
import { storeCommands } from './store.js';
import { subscribeCommands } from './subscribe.js';
import { threadCommands } from './thread.js';

/** The command table: every command by name (`UID FETCH` for UID variants). */
export const COMMANDS: ReadonlyMap<string, CommandEntry> = new Map(
  [
    ...anyStateCommands,
    ...authCommands,
    ...selectCommands,
    ...createCommands,
    ...deleteCommands,
    ...renameCommands,
    ...subscribeCommands,
    ...namespaceCommands,
    ...statusCommands,
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
