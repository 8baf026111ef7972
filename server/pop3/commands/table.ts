import { anyStateCommands } from './any-state.js';
import { authorizationCommands } from './authorization.js';
import type { Pop3Command } from './command.js';
import { transactionCommands } from './transaction.js';

/** Every POP3 command by its upper-case keyword. */
export const COMMANDS: ReadonlyMap<string, Pop3Command> = new Map(
  Object.entries({ ...anyStateCommands, ...authorizationCommands, ...transactionCommands }),
);
