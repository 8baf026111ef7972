import { isCatchAll } from '../../store/login.js';
import type { StoredMessage } from '../../store/types.js';
import { command, no, ok, SELECTED, type CommandEntry } from '../command.js';
import { formatUidSet, readSequenceSet, type SequenceSet } from '../sequence-set.js';
import { readMailbox } from './mailboxes.js';
import { expunged } from './selected.js';

/** RFC 3501 §6.4.7 COPY and RFC 6851 MOVE, with RFC 4315 COPYUID. */
function copyCommand(name: 'COPY' | 'MOVE', uid: boolean) {
  return command<{ set: SequenceSet; mailbox: string }>({
    name: uid ? `UID ${name}` : name,
    states: SELECTED,
    parse(r, session) {
      r.sp();
      const set = readSequenceSet(r);
      r.sp();
      return { set, mailbox: readMailbox(r, session) };
    },
    run(session, { set, mailbox }, call) {
      const view = session.view;
      if (!view) return no('No mailbox selected');
      if (name === 'MOVE' && view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
      const target = session.store.folders.get(session.user, mailbox);
      if (!target) return no(`No mailbox ${mailbox}`, 'TRYCREATE');
      const found = session.resolve(set, uid);
      if (found === 'invalid') return no('No such message');
      const indexes = found.filter((i) => !view.isExpunged(view.uids[i] as number));
      if (indexes.length === 0) return ok(`${call.name} completed`);
      const sourceUids = indexes.map((i) => view.uids[i] as number);
      const entries = session.store.folders.copy(session.user, target.name, indexes.map((i) => view.messages[i] as StoredMessage));
      if (typeof entries === 'string') return no(`No mailbox ${mailbox}`, 'TRYCREATE');
      const copyUid = `COPYUID ${target.uidValidity} ${formatUidSet(sourceUids)} ${formatUidSet(entries.map((e) => e.uid))}`;
      if (name === 'COPY') return ok(`${call.name} completed`, copyUid);
      // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
      session.untagged(`OK [${copyUid}] Moved`);
      // A move within one folder gives the messages new UIDs and expunges the old ones
      // (RFC 6851 §3.1: MOVE is COPY, then expunging the source). Only where the copy
      // kept a message's UID (the catch-all's INBOX) does the message stay where it is.
      const kept = new Set(target.name === view.name ? entries.map((e) => e.uid) : []);
      const leaving = sourceUids.filter((u) => !kept.has(u));
      if (leaving.length === 0) return ok(`${call.name} completed`);
      if (isCatchAll(session.user) && view.name === 'INBOX') {
        // The catch-all's INBOX holds every message; leaving it must not delete what was just filed elsewhere.
        session.store.folders.unfile(session.user, view.name, leaving);
      } else session.store.expunge(session.user, view.name, leaving);
      // RFC 6851 §4.4 with RFC 7162 §3.2.7: the source's new HIGHESTMODSEQ.
      return expunged(session, call.name);
    },
  });
}

export const copyMoveCommands: CommandEntry[] = [copyCommand('COPY', false), copyCommand('COPY', true), copyCommand('MOVE', false), copyCommand('MOVE', true)];
