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
    // A client may delete the mailbox it has selected. That is no deletion "elsewhere"
    // (select.ts: onGone ends the session with BYE, RFC 2180 §3): as Dovecot does, the
    // session closes the mailbox itself, with no EXPUNGE, and is back in the
    // authenticated state once the folder is gone; a DELETE the store refuses (INBOX,
    // the special-use folders) leaves it selected. No OK [CLOSED]: RFC 7162
    // §3.2.11 (and RFC 9051 §7.1) mark with it where a SELECT/EXAMINE's responses for
    // the new mailbox begin; after DELETE there is none, and the tagged OK tells the rest.
    const view = session.view?.name === name ? session.view : null;
    // onGone is held off while the store deletes (it fires from within the store's
    // change), and put back if the folder is still there (refused, or the store failed).
    const onGone = view?.onGone ?? null;
    if (view) view.onGone = null;
    let error;
    try {
      error = await session.store.deleteFolder(session.user, name);
    } finally {
      if (view && view === session.view) {
        if (view.gone) session.deselect();
        else view.onGone = onGone;
      }
    }
    if (error) return folderError(error, name);
    return ok('DELETE completed');
  },
});

export const deleteCommands: CommandEntry[] = [del];
