import { SEEN } from '../../store/types.js';
import { AUTHENTICATED, command, no, ok, type CommandEntry } from '../command.js';
import { listAttributes, superiorsOf } from '../list-select.js';
import { MailboxView } from '../mailbox-view.js';
import { readQresyncParams, resync, type QresyncParams } from '../qresync.js';
import { readMailbox, toText } from './mailbox-args.js';

/** RFC 3501 §6.3.1 SELECT and §6.3.2 EXAMINE, with RFC 7162 §3.1.8 (CONDSTORE) and §3.2.5 (QRESYNC). */
function selectCommand(name: 'SELECT' | 'EXAMINE') {
  const readOnly = name === 'EXAMINE';
  return command({
    name,
    states: AUTHENTICATED,
    parse(r, session) {
      r.sp();
      const mailbox = readMailbox(r, session);
      const args: { mailbox: string; condstore: boolean; qresync: QresyncParams | null } = { mailbox, condstore: false, qresync: null };
      if (r.maybeSp()) {
        r.list(() => {
          const param = r.atom().toUpperCase();
          if (param === 'CONDSTORE') args.condstore = true;
          else if (param === 'QRESYNC') {
            // RFC 7162 §3.2.5: only after ENABLE QRESYNC.
            if (!session.qresync) r.fail('QRESYNC must be enabled first (ENABLE QRESYNC)');
            r.sp();
            args.qresync = readQresyncParams(r);
          } else r.fail(`unknown ${name} parameter ${param}`);
        });
      }
      return args;
    },
    run(session, { mailbox, condstore, qresync }) {
      // RFC 7162 §3.2.11 / RFC 9051 §7.1: a client selecting anew is told the old one closed.
      if (session.view) session.untagged('OK [CLOSED] Previous mailbox closed');
      session.deselect();
      const folder = session.store.folder(session.user, mailbox);
      if (!folder) return no(`No mailbox ${mailbox}`, 'NONEXISTENT');
      if (condstore) session.condstore = true;
      const view = new MailboxView(session.store, session.user, folder, readOnly, session.space.claims);
      session.view = view;
      view.onGone = () => session.end('The selected folder was deleted elsewhere', 'selected folder deleted');
      session.state = 'selected';
      const firstUnseen = view.messages.findIndex((message) => !message.flags.has(SEEN)) + 1;
      session.untagged(`${view.count} EXISTS`);
      if (!session.rev2) session.untagged(`${view.recent.size} RECENT`);
      session.untagged(`FLAGS (${view.flagNames()})`);
      session.untagged(`OK [PERMANENTFLAGS (${view.permanentFlags()})] Flags permitted`);
      if (firstUnseen > 0 && !session.rev2) session.untagged(`OK [UNSEEN ${firstUnseen}] First unseen`);
      session.untagged(`OK [UIDVALIDITY ${folder.uidValidity}] UIDs valid`);
      session.untagged(`OK [UIDNEXT ${folder.uidNext}] Predicted next UID`);
      session.untagged(`OK [HIGHESTMODSEQ ${session.space.history.highestModseq(session.user, folder)}] Highest`);
      if (session.rev2) session.write(['* LIST (', listAttributes(folder, superiorsOf(session.store.listFolders(session.user))), ') "/" ', session.wireName(folder.name), '\r\n'].map(toText).join(''));
      if (qresync) resync(session, qresync);
      return ok(`${name} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
    },
  });
}

export const selectCommands: CommandEntry[] = [selectCommand('SELECT'), selectCommand('EXAMINE')];
