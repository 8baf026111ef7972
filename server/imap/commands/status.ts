import type { FolderInfo } from '../../store/folders.js';
import { SEEN } from '../../store/types.js';
import { AUTHENTICATED, command, no, ok, type CommandEntry } from '../command.js';
import type { Reader } from '../parser.js';
import type { Session } from '../session.js';
import { readMailbox, toText } from './mailbox-args.js';

const STATUS_ITEMS = new Set(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ', 'SIZE', 'DELETED']);

/** RFC 3501 §6.3.10 STATUS, with RFC 9051 SIZE/DELETED and RFC 7162 HIGHESTMODSEQ. */
const status = command({
  name: 'STATUS',
  states: AUTHENTICATED,
  parse(r, session) {
    r.sp();
    const mailbox = readMailbox(r, session);
    r.sp();
    return { mailbox, items: readStatusItems(r) };
  },
  run(session, { mailbox, items }) {
    const folder = session.store.folder(session.user, mailbox);
    if (!folder) return no(`No mailbox ${mailbox}`, 'NONEXISTENT');
    writeStatus(session, folder, items);
    return ok('STATUS completed');
  },
});

/** The parenthesised STATUS items (also LIST's RETURN (STATUS …), RFC 5819). */
export function readStatusItems(r: Reader): string[] {
  const items = r.list(() => r.atom().toUpperCase(), false);
  for (const item of items) if (!STATUS_ITEMS.has(item)) r.fail(`unknown STATUS item ${item.slice(0, 30)}`);
  return items;
}

/** One untagged STATUS response for a folder; asking for HIGHESTMODSEQ turns CONDSTORE on (RFC 7162 §3.1). */
export function writeStatus(session: Session, folder: FolderInfo, items: readonly string[]): void {
  if (items.includes('HIGHESTMODSEQ')) session.enableCondstore();
  session.write(statusLine(session, folder, items));
}

/** `* STATUS name (item value …)` with the items in the order given (also NOTIFY's, RFC 5465 §5). */
export function statusLine(session: Session, folder: FolderInfo, items: readonly string[]): string {
  const values = items.map((item) => `${item} ${statusValue(session, folder, item)}`);
  return `* STATUS ${toText(session.wireName(folder.name))} (${values.join(' ')})\r\n`;
}

export function statusValue(session: Session, folder: FolderInfo, item: string): number {
  const entries = folder.entries;
  switch (item) {
    case 'MESSAGES':
      return entries.length;
    case 'RECENT': {
      const claimed = session.space.claims.claimed(session.user, folder);
      return entries.filter((e) => e.uid > claimed).length;
    }
    case 'UIDNEXT':
      return folder.uidNext;
    case 'UIDVALIDITY':
      return folder.uidValidity;
    case 'UNSEEN':
      return entries.filter((e) => !e.message.flags.has(SEEN)).length;
    case 'SIZE':
      return entries.reduce((n, e) => n + e.message.size, 0);
    case 'DELETED':
      return entries.filter((e) => e.message.flags.has('\\Deleted')).length;
    default:
      return session.space.history.highestModseq(session.user, folder);
  }
}

export const statusCommands: CommandEntry[] = [status];
