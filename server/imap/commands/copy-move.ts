import type { FolderEntry, StoredMessage } from '../../store/types.js';
import { command, no, ok, SELECTED, type CommandEntry } from '../command.js';
import { formatUidSet, readSequenceSet, type SequenceSet } from '../sequence-set.js';
import { readMailbox } from './mailbox-args.js';
import { expunged } from './selected.js';

/** RFC 4315 §3: source UIDs and the UIDs they got in the target, in the same order. */
function copyUidCode(uidValidity: number, sourceUids: readonly number[], entries: readonly FolderEntry[]): string {
  return `COPYUID ${uidValidity} ${formatUidSet(sourceUids)} ${formatUidSet(entries.map((e) => e.uid))}`;
}

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
    async run(session, { set, mailbox }, call) {
      const view = session.view;
      if (!view) return no('No mailbox selected');
      if (name === 'MOVE' && view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
      const target = session.store.folder(session.user, mailbox);
      if (!target) return no(`No mailbox ${mailbox}`, 'TRYCREATE');
      const found = session.resolve(set, uid);
      if (found === 'invalid') return no('No such message');
      const indexes = found.filter((i) => !view.isExpunged(view.uids[i] as number));
      if (indexes.length === 0) return ok(`${call.name} completed`);
      const sourceUids = indexes.map((i) => view.uids[i] as number);
      if (name === 'COPY') {
        const entries = await session.store.copyToFolder(session.user, target.name, indexes.map((i) => view.messages[i] as StoredMessage));
        if (typeof entries === 'string') return no(`No mailbox ${mailbox}`, 'TRYCREATE');
        return ok(`${call.name} completed`, copyUidCode(target.uidValidity, sourceUids, entries));
      }
      // The store files the messages in the target, then takes them out of the source.
      const moved = await session.store.moveToFolder(session.user, view.name, sourceUids, target.name);
      if (typeof moved === 'string') return no(`No mailbox ${mailbox}`, 'TRYCREATE');
      // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
      if (moved.from.length > 0) session.untagged(`OK [${copyUidCode(target.uidValidity, moved.from, moved.to)}] Moved`);
      if (moved.left.length === 0) return ok(`${call.name} completed`);
      // RFC 6851 §4.4 with RFC 7162 §3.2.7: the source's new HIGHESTMODSEQ.
      return expunged(session, call.name);
    },
  });
}

export const copyMoveCommands: CommandEntry[] = [copyCommand('COPY', false), copyCommand('COPY', true), copyCommand('MOVE', false), copyCommand('MOVE', true)];
