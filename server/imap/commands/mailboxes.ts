import { SEPARATOR, type FolderError, type FolderInfo } from '../../store/folders.js';
import { SEEN } from '../../store/types.js';
import { AUTHENTICATED, command, no, none, ok, type CommandEntry, type Status } from '../command.js';
import { quoted } from '../encode.js';
import { highestModseq, MailboxView } from '../mailbox-view.js';
import type { Reader } from '../parser.js';
import type { Session } from '../session.js';
import { SYSTEM_FLAGS } from '../system-flags.js';

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
  }
}

/** RFC 3501 §6.3.1 SELECT and §6.3.2 EXAMINE, with RFC 7162 §3.1.8 (CONDSTORE). */
function selectCommand(name: 'SELECT' | 'EXAMINE') {
  const readOnly = name === 'EXAMINE';
  return command({
    name,
    states: AUTHENTICATED,
    parse(r, session) {
      r.sp();
      const mailbox = readMailbox(r, session);
      let condstore = false;
      if (r.maybeSp()) {
        for (const param of r.list(() => r.atom().toUpperCase())) {
          if (param === 'CONDSTORE') condstore = true;
          else r.fail(`unknown ${name} parameter ${param}`);
        }
      }
      return { mailbox, condstore };
    },
    run(session, { mailbox, condstore }) {
      // RFC 7162 §3.2.11 / RFC 9051 §7.1: a client selecting anew is told the old one closed.
      if (session.view) session.untagged('OK [CLOSED] Previous mailbox closed');
      session.deselect();
      const folder = session.store.folder(session.user, mailbox);
      if (!folder) return no(`No mailbox ${mailbox}`, 'NONEXISTENT');
      if (condstore) session.condstore = true;
      const view = new MailboxView(session.store, session.user, folder, readOnly, session.ctx.claims);
      session.view = view;
      session.state = 'selected';
      const keywords = new Set<string>();
      let firstUnseen = 0;
      view.messages.forEach((message, i) => {
        for (const flag of message.flags) if (!flag.startsWith('\\')) keywords.add(flag);
        if (firstUnseen === 0 && !message.flags.has(SEEN)) firstUnseen = i + 1;
      });
      const flags = [...SYSTEM_FLAGS, ...keywords].join(' ');
      session.untagged(`${view.count} EXISTS`);
      if (!session.rev2) session.untagged(`${view.recent.size} RECENT`);
      session.untagged(`FLAGS (${flags})`);
      session.untagged(`OK [PERMANENTFLAGS (${readOnly ? '' : flags + ' \\*'})] Flags permitted`);
      if (firstUnseen > 0 && !session.rev2) session.untagged(`OK [UNSEEN ${firstUnseen}] First unseen`);
      session.untagged(`OK [UIDVALIDITY ${folder.uidValidity}] UIDs valid`);
      session.untagged(`OK [UIDNEXT ${folder.uidNext}] Predicted next UID`);
      session.untagged(`OK [HIGHESTMODSEQ ${view.highestModseq()}] Highest`);
      if (session.rev2) session.write(['* LIST (', listAttributes(folder, superiorsOf(session.store.listFolders(session.user))), ') "/" ', session.wireName(folder.name), '\r\n'].map(toText).join(''));
      return ok(`${name} completed`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
    },
  });
}

function toText(part: string | Buffer): string {
  return typeof part === 'string' ? part : part.toString('utf8');
}

/** RFC 3501 §6.3.3 */
const create = command({
  name: 'CREATE',
  states: AUTHENTICATED,
  parse(r, session) {
    r.sp();
    return readMailbox(r, session);
  },
  run(session, name) {
    const created = session.store.createFolder(session.user, name);
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
      if (!session.store.subscribeFolder(session.user, mailbox, name === 'SUBSCRIBE')) return no(`No mailbox ${mailbox}`, 'NONEXISTENT');
      return ok(`${name} completed`);
    },
  });
}

/** A LIST pattern (RFC 3501 §6.3.8): `*` matches anything, `%` anything but the separator. */
function patternToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, `[^${SEPARATOR}]*`);
  return new RegExp(`^${body}$`, 's');
}

function matches(folder: string, pattern: RegExp): boolean {
  if (pattern.test(folder)) return true;
  // INBOX is case-insensitive (RFC 3501 §5.1): `inbox` and `In%` find it too.
  return folder === 'INBOX' && new RegExp(pattern.source, 'si').test(folder);
}

function listAttributes(folder: FolderInfo, superiors: ReadonlySet<string>, subscribed = false): string {
  const attrs = [superiors.has(folder.name) ? '\\HasChildren' : '\\HasNoChildren'];
  if (folder.specialUse) attrs.push(folder.specialUse);
  if (subscribed && folder.subscribed) attrs.push('\\Subscribed');
  return attrs.join(' ');
}

/** Every hierarchy level that has inferiors (RFC 3501 §5.1.1), whether or not it is a folder. */
function superiorsOf(folders: readonly FolderInfo[]): Set<string> {
  const superiors = new Set<string>();
  for (const { name } of folders) {
    for (let at = name.indexOf(SEPARATOR); at !== -1; at = name.indexOf(SEPARATOR, at + 1)) superiors.add(name.slice(0, at));
  }
  return superiors;
}

/** Hierarchy levels that have inferiors but no folder of their own. */
function missingSuperiors(folders: readonly FolderInfo[], superiors: ReadonlySet<string>): string[] {
  const present = new Set(folders.map((f) => f.name));
  return [...superiors].filter((name) => !present.has(name));
}

interface ListArgs {
  reference: string;
  patterns: string[];
  subscribedOnly: boolean;
  specialUseOnly: boolean;
  returnSubscribed: boolean;
  /** RFC 5819 LIST-STATUS: STATUS items to send with each listed folder. */
  returnStatus: string[];
  lsub: boolean;
}

/** RFC 3501 §6.3.8 LIST, with RFC 5258 selection/return options as RFC 6154 uses them. */
function listCommand(name: 'LIST' | 'LSUB') {
  return command<ListArgs>({
    name,
    states: AUTHENTICATED,
    parse(r, session) {
      const args: ListArgs = { reference: '', patterns: [], subscribedOnly: name === 'LSUB', specialUseOnly: false, returnSubscribed: false, returnStatus: [], lsub: name === 'LSUB' };
      r.sp();
      if (name === 'LIST' && r.peek() === 0x28) {
        for (const option of r.list(() => r.atom().toUpperCase())) {
          if (option === 'SUBSCRIBED') args.subscribedOnly = args.returnSubscribed = true;
          else if (option === 'SPECIAL-USE') args.specialUseOnly = true;
        }
        r.sp();
      }
      args.reference = readMailbox(r, session);
      r.sp();
      const patterns = name === 'LIST' && r.peek() === 0x28 ? r.list(() => r.listMailbox(), false) : [r.listMailbox()];
      args.patterns = patterns.map((p) => session.mailboxName(p));
      if (name === 'LIST' && r.maybeSp()) {
        if (!r.word('RETURN')) r.fail('expected RETURN');
        r.sp();
        r.list(() => {
          const option = r.atom().toUpperCase();
          if (option === 'SUBSCRIBED') args.returnSubscribed = true;
          if (option === 'STATUS') {
            r.sp();
            args.returnStatus = readStatusItems(r);
          }
          return option;
        });
      }
      return args;
    },
    run(session, args) {
      if (args.patterns.length === 1 && args.patterns[0] === '') {
        // RFC 3501 §6.3.8: an empty pattern asks for the hierarchy delimiter.
        session.untagged(`${name} (\\Noselect) "${SEPARATOR}" ""`);
        return ok(`${name} completed`);
      }
      // RFC 3501 §6.3.8: the reference name is prefixed to the pattern.
      const regexps = args.patterns.map((p) => patternToRegExp(args.reference + p));
      const folders = session.store.listFolders(session.user);
      const superiors = superiorsOf(folders);
      for (const folder of folders) {
        if (args.subscribedOnly && !folder.subscribed) continue;
        if (args.specialUseOnly && !folder.specialUse) continue;
        if (!regexps.some((regexp) => matches(folder.name, regexp))) continue;
        const attrs = args.lsub ? '' : listAttributes(folder, superiors, args.returnSubscribed);
        session.write(`* ${name} (${attrs}) "${SEPARATOR}" ${toText(session.wireName(folder.name))}\r\n`);
        if (args.returnStatus.length > 0) writeStatus(session, folder, args.returnStatus);
      }
      // RFC 3501 §6.3.4/§6.3.8: a superior left behind by a DELETE is listed as \Noselect.
      if (!args.lsub && !args.subscribedOnly && !args.specialUseOnly) {
        for (const missing of missingSuperiors(folders, superiors)) {
          if (regexps.some((regexp) => regexp.test(missing))) session.write(`* LIST (\\Noselect \\HasChildren) "${SEPARATOR}" ${toText(session.wireName(missing))}\r\n`);
        }
      }
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

function readStatusItems(r: Reader): string[] {
  const items = r.list(() => r.atom().toUpperCase(), false);
  for (const item of items) if (!STATUS_ITEMS.has(item)) r.fail(`unknown STATUS item ${item}`);
  return items;
}

function writeStatus(session: Session, folder: FolderInfo, items: readonly string[]): void {
  const values: string[] = [];
  for (const item of items) {
    values.push(`${item} ${statusValue(session, folder, item)}`);
    if (item === 'HIGHESTMODSEQ') session.condstore = true;
  }
  session.write(`* STATUS ${toText(session.wireName(folder.name))} (${values.join(' ')})\r\n`);
}

function statusValue(session: Session, folder: FolderInfo, item: string): number {
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
      return highestModseq(folder);
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
  listCommand('LIST'),
  listCommand('LSUB'),
  namespace,
  status,
];
