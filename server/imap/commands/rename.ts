import { AUTHENTICATED, command, ok, type CommandEntry } from '../command.js';
import { folderError, readMailbox } from './mailbox-args.js';

/** RFC 3501 §6.3.5 */
const rename = command({
  name: 'RENAME',
  states: AUTHENTICATED,
  parse(r, session) {
    r.sp();
    const from = readMailbox(r, session);
    r.sp();
    return { from, to: readMailbox(r, session) };
  },
  async run(session, { from, to }) {
    const renamed = await session.store.renameFolder(session.user, from, to);
    // 'exists' and 'invalid' are about the new name (taken; not a name, INBOX, or inside `from`), the rest about the old.
    if (typeof renamed === 'string') return folderError(renamed, renamed === 'exists' || renamed === 'invalid' ? to : from);
    return ok('RENAME completed');
  },
});

export const renameCommands: CommandEntry[] = [rename];
