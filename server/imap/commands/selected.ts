import { command, no, none, ok, SELECTED, type CommandEntry, type Status } from '../command.js';
import { readSequenceSet } from '../sequence-set.js';
import type { Session } from '../session.js';

const DELETED = '\\Deleted';

/** UIDs of messages flagged \Deleted in the view, optionally only among `only` (indexes). */
function deletedUids(session: Session, only?: number[]): number[] {
  const view = session.view;
  if (!view) return [];
  const indexes = only ?? view.uids.map((_, i) => i);
  return indexes.filter((i) => view.messages[i]?.flags.has(DELETED) && !view.isExpunged(view.uids[i] as number)).map((i) => view.uids[i] as number);
}

/**
 * Takes messages out of the selected folder (the store decides whether they leave it
 * entirely). RFC 7162 §3.2.7: with QRESYNC on, an EXPUNGE that removed anything
 * completes with the folder's new HIGHESTMODSEQ.
 */
export async function expungeUids(session: Session, uids: number[], name: string): Promise<Status> {
  const view = session.view;
  if (!view || uids.length === 0) return ok(`${name} completed`);
  await session.store.expunge(session.user, view.name, uids);
  return expunged(session, name);
}

/** The completion of a command that expunged (EXPUNGE, MOVE): HIGHESTMODSEQ for QRESYNC. */
export function expunged(session: Session, name: string): Status {
  const view = session.view;
  if (!view || !session.qresync) return ok(`${name} completed`);
  return ok(`${name} completed`, `HIGHESTMODSEQ ${session.space.history.highestModseq(view.login, view.folder)}`);
}

/** RFC 3501 §6.4.1: nothing to write to disk in memory. */
const check = command({ name: 'CHECK', states: SELECTED, parse: none, run: () => ok('CHECK completed') });

/** RFC 3501 §6.4.2: expunges silently, then leaves the folder. */
const close = command({
  name: 'CLOSE',
  states: SELECTED,
  parse: none,
  async run(session) {
    const view = session.view;
    const uids = view && !view.readOnly ? deletedUids(session) : [];
    session.deselect();
    if (view && uids.length > 0) await session.store.expunge(session.user, view.name, uids);
    return ok('CLOSE completed');
  },
});

/** RFC 3691 (and RFC 9051 §6.4.2): leaves the folder without expunging. */
const unselect = command({
  name: 'UNSELECT',
  states: SELECTED,
  parse: none,
  run(session) {
    session.deselect();
    return ok('UNSELECT completed');
  },
});

/** RFC 3501 §6.4.3: the EXPUNGE responses follow from the store's events. */
const expunge = command({
  name: 'EXPUNGE',
  states: SELECTED,
  parse: none,
  run(session) {
    if (session.view?.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    return expungeUids(session, deletedUids(session), 'EXPUNGE');
  },
});

/** RFC 4315 §2.1 UID EXPUNGE: only the named UIDs that are \Deleted. */
const uidExpunge = command({
  name: 'UID EXPUNGE',
  states: SELECTED,
  parse(r) {
    r.sp();
    return readSequenceSet(r);
  },
  run(session, set) {
    const view = session.view;
    if (!view) return no('No mailbox selected');
    if (view.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const found = session.resolve(set, true);
    return expungeUids(session, deletedUids(session, found === 'invalid' ? [] : found), 'UID EXPUNGE');
  },
});


export const selectedCommands: CommandEntry[] = [check, close, unselect, expunge, uidExpunge];
