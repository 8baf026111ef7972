import { AUTHENTICATED, command, ok, type CommandEntry } from '../command.js';
import { folderError, readMailbox } from './mailbox-args.js';

/** RFC 3501 §6.3.4: the store removes the messages only this folder held. */
const del = command({
  name: 'DELETE',
  states: AUTHENTICATED,
  parse(r, session) {
    r.sp();
    return readMailbox(r, session);
  },
  async run(session, name) {
    const error = await session.store.deleteFolder(session.user, name);
    if (error) return folderError(error, name);
    return ok('DELETE completed');
  },
});

export const deleteCommands: CommandEntry[] = [del];
