import { AUTHENTICATED, command, no, ok, type CommandEntry } from '../command.js';
import { folderError, readMailbox } from './mailbox-args.js';

/** RFC 3501 §6.3.6, §6.3.7 */
function subscribeCommand(name: 'SUBSCRIBE' | 'UNSUBSCRIBE') {
  return command({
    name,
    states: AUTHENTICATED,
    parse(r, session) {
      r.sp();
      return readMailbox(r, session);
    },
    async run(session, mailbox) {
      const done = await session.store.subscribeFolder(session.user, mailbox, name === 'SUBSCRIBE');
      if (done !== true) return name === 'SUBSCRIBE' ? folderError(done, mailbox) : no(`${mailbox} is not subscribed`, 'NONEXISTENT');
      return ok(`${name} completed`);
    },
  });
}

export const subscribeCommands: CommandEntry[] = [subscribeCommand('SUBSCRIBE'), subscribeCommand('UNSUBSCRIBE')];
