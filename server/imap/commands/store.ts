import type { FlagOperation, StoredMessage } from '../../store/types.js';
import { command, no, ok, SELECTED, type CommandEntry } from '../command.js';
import { keywordLimit } from '../keywords.js';
import { formatUidSet, readSequenceSet, type SequenceSet } from '../sequence-set.js';

interface StoreArgs {
  set: SequenceSet;
  unchangedSince: number | null;
  operation: FlagOperation;
  silent: boolean;
  flags: string[];
}

/** RFC 3501 §6.4.6 STORE, with RFC 7162 §3.1.3 UNCHANGEDSINCE. */
function storeCommand(uid: boolean) {
  return command<StoreArgs>({
    name: uid ? 'UID STORE' : 'STORE',
    states: SELECTED,
    holdsExpunges: !uid,
    parse(r) {
      r.sp();
      const set = readSequenceSet(r);
      r.sp();
      let unchangedSince: number | null = null;
      if (r.peek() === 0x28) {
        r.expect('(');
        if (!r.word('UNCHANGEDSINCE ')) r.fail('unknown STORE modifier');
        unchangedSince = r.number64();
        r.expect(')');
        r.sp();
      }
      const operation: FlagOperation = r.take('+') ? 'add' : r.take('-') ? 'remove' : 'replace';
      if (!r.word('FLAGS')) r.fail('expected FLAGS');
      const silent = r.word('.SILENT');
      r.sp();
      const flags = r.peek() === 0x28 ? r.list(() => r.flag()) : [r.flag()];
      while (r.maybeSp()) flags.push(r.flag());
      return { set, unchangedSince, operation, silent, flags };
    },
    async run(session, args, call) {
      const view = session.view;
      if (!view) return no('No mailbox selected');
      if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
      const indexes = session.resolve(args.set, uid);
      if (indexes === 'invalid') return no('No such message');
      if (args.unchangedSince !== null) session.enableCondstore();
      // \Recent is the server's to set (RFC 3501 §2.3.2); everything else is the client's.
      const flags = args.flags.filter((f) => f.toLowerCase() !== '\\recent');
      const limit = args.operation === 'remove' ? null : keywordLimit(view.keywords, flags);
      if (limit) return limit;
      const modified: number[] = [];
      const targets: number[] = [];
      for (const i of indexes) {
        const message = view.messages[i] as StoredMessage;
        if (view.isExpunged(view.uids[i] as number)) continue;
        if (args.unchangedSince !== null && message.modseq > args.unchangedSince) modified.push(uid ? (view.uids[i] as number) : i + 1);
        else targets.push(i);
      }
      const changed = new Set(await session.store.setFlags(targets.map((i) => (view.messages[i] as StoredMessage).id), args.operation, flags));
      for (const i of targets) {
        const message = view.messages[i] as StoredMessage;
        const messageUid = view.uids[i] as number;
        view.reported(message);
        // Even a silent STORE tells of a keyword it made (RFC 3501 §7.2.6).
        session.announceKeywords(view, message);
        const items: string[] = [];
        if (call.uid) items.push(`UID ${messageUid}`);
        if (!args.silent) items.push(`FLAGS ${session.flagList(view, messageUid, message)}`);
        // RFC 7162 §3.1.3: with CONDSTORE on, changes are reported with their MODSEQ even when silent.
        if (session.condstore && (changed.has(message) || !args.silent)) items.push(`MODSEQ (${message.modseq})`);
        if (!args.silent || (session.condstore && changed.has(message))) session.untagged(`${i + 1} FETCH (${items.join(' ')})`);
      }
      if (modified.length > 0) return ok('Conditional STORE failed', `MODIFIED ${formatUidSet(modified)}`);
      return ok(`${call.name} completed`);
    },
  });
}

export const storeCommands: CommandEntry[] = [storeCommand(false), storeCommand(true)];
