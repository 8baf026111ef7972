import { SEPARATOR, type FolderError, type FolderInfo } from '../../store/folders.js';
import { listAttributes, superiorsOf } from '../list-select.js';
import { SEEN } from '../../store/types.js';
import { AUTHENTICATED, command, no, none, ok, type CommandEntry, type Status } from '../command.js';
import { quoted } from '../encode.js';
import { MailboxView } from '../mailbox-view.js';
import type { Reader } from '../parser.js';
import { readQresyncParams, resync, type QresyncParams } from '../qresync.js';
import type { Session } from '../session.js';

export function readMailbox(r: Reader, session: Session): string {
  return session.mailboxName(r.astring());
}

function folderError(error: FolderError, name: string): Status {
  switch (error) {
    case 'exists':
      return no(`Mailbox ${name} already exists`, 'ALREADYEXISTS');
    case 'missing':
      return no(`No mailbox ${name}`, 'NONEXISTENT');
    case 'protected':
      return no(`Mailbox ${name} cannot be changed`, 'CANNOT');
    case 'invalid':
      return no(`Invalid mailbox name ${name}`, 'CANNOT');
    case 'limit':
      return no(`Too many subscriptions to add ${name}`, 'LIMIT');
  }
}

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
      const view = new MailboxView(session.store, session.user, folder, readOnly, session.ctx.claims);
      session.view = view;
      session.state = 'selected';
      const firstUnseen = view.messages.findIndex((message) => !message.flags.has(SEEN)) + 1;
      session.untagged(`${view.count} EXISTS`);
      if (!session.rev2) session.untagged(`${view.recent.size} RECENT`);
      session.untagged(`FLAGS (${view.flagNames()})`);
      session.untagged(`OK [PERMANENTFLAGS (${view.permanentFlags()})] Flags permitted`);
      if (firstUnseen > 0 && !session.rev2) session.untagged(`OK [UNSEEN ${firstUnseen}] First unseen`);
      session.untagged(`OK [UIDVALIDITY ${folder.uidValidity}] UIDs valid`);
      session.untagged(`OK [UIDNEXT ${folder.uidNext}] Predicted next UID`);
      session.untagged(`OK [HIGHESTMODSEQ ${session.ctx.history.highestModseq(folder)}] Highest`);
      if (session.rev2) session.write(['* LIST (', listAttributes(folder, superiorsOf(session.store.listFolders(session.user))), ') "/" ', session.wireName(folder.name), '\r\n'].map(toText).join(''));
      if (qresync) resync(session, qresync);
      return ok(`${name} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
    },
  });
}

export function toText(part: string | Buffer): string {
  return typeof part === 'string' ? part : part.toString('utf8');
}

/** RFC 6154 §2 uses a folder may be created with; \All and \Flagged would need virtual folders. */
const CREATABLE_USES = new Set(['\\Archive', '\\Drafts', '\\Junk', '\\Sent', '\\Trash']);

/** use-attr (RFC 6154 §6): a backslash and an atom. */
function readUseAttribute(r: Reader): string {
  r.expect('\\');
  return '\\' + r.atom();
}

/** RFC 3501 §6.3.3 CREATE, with RFC 6154 §3 `(USE (…))` (CREATE-SPECIAL-USE). */
const create = command({
  name: 'CREATE',
  states: AUTHENTICATED,
  parse(r, session) {
    r.sp();
    const name = readMailbox(r, session);
    const uses: string[] = [];
    if (r.maybeSp()) {
      // RFC 4466 create-params: USE is the only one known here.
      r.list(() => {
        if (!r.word('USE ')) r.fail('unknown CREATE parameter');
        uses.push(...r.list(() => readUseAttribute(r), false));
      }, false);
    }
    return { name, uses };
  },
  run(session, { name, uses }) {
    const use = uses[0] ?? '';
    const known = [...CREATABLE_USES].find((u) => u.toLowerCase() === use.toLowerCase());
    // RFC 6154 §3: a use the server cannot give is NO [USEATTR], and nothing is created.
    if (uses.length > 1 || (use && !known)) return no(`Cannot create a mailbox with the use ${uses.join(' ')}`, 'USEATTR');
    const created = session.store.createFolder(session.user, name, known ?? '');
    if (typeof created === 'string') return folderError(created, name);
    return ok('CREATE completed');
  },
});

/** RFC 3501 §6.3.4 */
const del = command({
  name: 'DELETE',
  states: AUTHENTICATED,
  parse(r, session) {
    r.sp();
    return readMailbox(r, session);
  },
  run(session, name) {
    const error = session.store.deleteFolder(session.user, name);
    if (error) return folderError(error, name);
    return ok('DELETE completed');
  },
});

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
  run(session, { from, to }) {
    const renamed = session.store.renameFolder(session.user, from, to);
    if (typeof renamed === 'string') return folderError(renamed, renamed === 'exists' ? to : from);
    return ok('RENAME completed');
  },
});

/** RFC 3501 §6.3.6, §6.3.7 */
function subscribeCommand(name: 'SUBSCRIBE' | 'UNSUBSCRIBE') {
  return command({
    name,
    states: AUTHENTICATED,
    parse(r, session) {
      r.sp();
      return readMailbox(r, session);
    },
    run(session, mailbox) {
      const done = session.store.subscribeFolder(session.user, mailbox, name === 'SUBSCRIBE');
      if (done !== true) return name === 'SUBSCRIBE' ? folderError(done, mailbox) : no(`${mailbox} is not subscribed`, 'NONEXISTENT');
      return ok(`${name} completed`);
    },
  });
}

/** RFC 2342 NAMESPACE: one personal namespace, `/`-separated. */
const namespace = command({
  name: 'NAMESPACE',
  states: AUTHENTICATED,
  parse: none,
  run(session) {
    session.untagged(`NAMESPACE ((${quoted('')} "${SEPARATOR}")) NIL NIL`);
    return ok('NAMESPACE completed');
  },
});

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

export function readStatusItems(r: Reader): string[] {
  const items = r.list(() => r.atom().toUpperCase(), false);
  for (const item of items) if (!STATUS_ITEMS.has(item)) r.fail(`unknown STATUS item ${item}`);
  return items;
}

export function writeStatus(session: Session, folder: FolderInfo, items: readonly string[]): void {
  const values: string[] = [];
  for (const item of items) {
    values.push(`${item} ${statusValue(session, folder, item)}`);
    if (item === 'HIGHESTMODSEQ') session.enableCondstore();
  }
  session.write(`* STATUS ${toText(session.wireName(folder.name))} (${values.join(' ')})\r\n`);
}

export function statusValue(session: Session, folder: FolderInfo, item: string): number {
  const entries = folder.entries;
  switch (item) {
    case 'MESSAGES':
      return entries.length;
    case 'RECENT': {
      const claimed = session.ctx.claims.claimed(folder);
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
      return session.ctx.history.highestModseq(folder);
  }
}

export const mailboxCommands: CommandEntry[] = [
  selectCommand('SELECT'),
  selectCommand('EXAMINE'),
  create,
  del,
  rename,
  subscribeCommand('SUBSCRIBE'),
  subscribeCommand('UNSUBSCRIBE'),
  namespace,
  status,
];
