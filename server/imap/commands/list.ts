import { SEPARATOR } from '../../store/folders.js';
import { AUTHENTICATED, command, ok, type CommandEntry } from '../command.js';
import { listAttributes, selectMailboxes, superiorsOf, type ListRow } from '../list-select.js';
import type { Reader } from '../parser.js';
import type { Session } from '../session.js';
import { readMailbox, readMailboxPattern, toText } from './mailbox-args.js';
import { readStatusItems, writeStatus } from './status.js';

interface ListArgs {
  reference: string;
  patterns: string[];
  /** RFC 5258 §3: selection options, a pattern list or RETURN make it an extended LIST. */
  extended: boolean;
  subscribedOnly: boolean;
  specialUseOnly: boolean;
  recursiveMatch: boolean;
  returnSubscribed: boolean;
  /** RFC 5819 LIST-STATUS: STATUS items to send with each listed folder. */
  returnStatus: string[];
}

/** Patterns in one LIST: RFC 5258 allows a list of them; a bound keeps the work per command small. */
const MAX_PATTERNS = 100;

/** RFC 5258 §3.1 selection options (RFC 6154 §5.3 adds SPECIAL-USE). */
function readSelection(r: Reader, args: ListArgs): void {
  let base = false;
  for (const option of r.list(() => r.atom().toUpperCase())) {
    if (option === 'SUBSCRIBED') base = args.subscribedOnly = args.returnSubscribed = true;
    else if (option === 'SPECIAL-USE') base = args.specialUseOnly = true;
    else if (option === 'RECURSIVEMATCH') args.recursiveMatch = true;
    // REMOTE (§3.1): every mailbox here is local, so it changes nothing.
    else if (option !== 'REMOTE') r.fail(`unknown LIST selection option ${option.slice(0, 30)}`);
  }
  // §3.1: RECURSIVEMATCH alone, or with only REMOTE, is an error.
  if (args.recursiveMatch && !base) r.fail('RECURSIVEMATCH needs another selection option');
}

/** RFC 5258 §3.2 return options, RFC 5819 STATUS, RFC 6154 §5.2 SPECIAL-USE. */
function readReturn(r: Reader, args: ListArgs): void {
  r.list(() => {
    const option = r.atom().toUpperCase();
    if (option === 'SUBSCRIBED') args.returnSubscribed = true;
    else if (option === 'STATUS') {
      r.sp();
      args.returnStatus = readStatusItems(r);
    }
    // CHILDREN (RFC 3348) and special-use attributes are always sent.
    else if (option !== 'CHILDREN' && option !== 'SPECIAL-USE') r.fail(`unknown LIST return option ${option.slice(0, 30)}`);
    return option;
  });
}

/** RFC 3501 §6.3.8 LIST with RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS and RFC 6154 SPECIAL-USE. */
const list = command<ListArgs>({
  name: 'LIST',
  states: AUTHENTICATED,
  parse(r, session) {
    const args: ListArgs = { reference: '', patterns: [], extended: false, subscribedOnly: false, specialUseOnly: false, recursiveMatch: false, returnSubscribed: false, returnStatus: [] };
    r.sp();
    if (r.peek() === 0x28) {
      args.extended = true;
      readSelection(r, args);
      r.sp();
    }
    args.reference = readMailbox(r, session);
    r.sp();
    const parenthesised = r.peek() === 0x28;
    const patterns = parenthesised ? r.list(() => readMailboxPattern(r, session), false) : [readMailboxPattern(r, session)];
    if (parenthesised) args.extended = true;
    if (patterns.length > MAX_PATTERNS) r.fail(`at most ${MAX_PATTERNS} patterns`);
    args.patterns = patterns.filter((pattern) => pattern !== null);
    if (r.maybeSp()) {
      if (!r.word('RETURN')) r.fail('expected RETURN');
      r.sp();
      args.extended = true;
      readReturn(r, args);
    }
    return args;
  },
  run(session, args) {
    if (!args.extended && args.patterns[0] === '') {
      // RFC 3501 §6.3.8: an empty pattern asks for the hierarchy delimiter (only in a basic LIST, RFC 5258 §3).
      session.untagged(`LIST (\\Noselect) "${SEPARATOR}" ""`);
      return ok('LIST completed');
    }
    // Only patterns that match no name were given.
    if (args.patterns.length === 0) return ok('LIST completed');
    const folders = session.store.listFolders(session.user);
    const superiors = superiorsOf(folders);
    const rows = selectMailboxes(folders, session.store.subscriptions(session.user), {
      patterns: args.patterns.map((p) => args.reference + p),
      subscribed: args.subscribedOnly,
      specialUse: args.specialUseOnly,
      recursiveMatch: args.recursiveMatch ? 'any' : 'none',
    });
    const childInfo = [args.subscribedOnly ? '"SUBSCRIBED"' : '', args.specialUseOnly ? '"SPECIAL-USE"' : ''].filter(Boolean).join(' ');
    for (const row of rows) {
      const extra = args.recursiveMatch && row.childInfo ? ` (CHILDINFO (${childInfo}))` : '';
      writeRow(session, 'LIST', rowAttributes(row, superiors, args.returnSubscribed), row, extra);
      // RFC 5819 §2: STATUS only for a mailbox that exists and can be selected.
      if (args.returnStatus.length > 0 && row.folder) writeStatus(session, row.folder, args.returnStatus);
    }
    return ok('LIST completed');
  },
});

function rowAttributes(row: ListRow, superiors: ReadonlySet<string>, returnSubscribed: boolean): string {
  if (row.folder) return listAttributes(row.folder, superiors, returnSubscribed);
  const subscribed = returnSubscribed && row.subscribed ? ' \\Subscribed' : '';
  // RFC 3501 §6.3.4: a level left above a folder is \Noselect; RFC 5258 §3.4: a subscribed
  // name with no mailbox at all is \NonExistent.
  return row.hasChildren ? `\\Noselect \\HasChildren${subscribed}` : `\\NonExistent${subscribed}`;
}

function writeRow(session: Session, name: 'LIST' | 'LSUB', attributes: string, row: ListRow, extra = ''): void {
  session.write(`* ${name} (${attributes}) "${SEPARATOR}" ${toText(session.wireName(row.name))}${extra}\r\n`);
}

/**
 * RFC 3501 §6.3.9 LSUB: the subscribed names matching the pattern, and a name a `%`
 * stopped at whose inferior is subscribed, as \Noselect.
 */
const lsub = command({
  name: 'LSUB',
  states: AUTHENTICATED,
  parse(r, session) {
    r.sp();
    const reference = readMailbox(r, session);
    r.sp();
    return { reference, pattern: readMailboxPattern(r, session) };
  },
  run(session, { reference, pattern }) {
    if (pattern === null) return ok('LSUB completed');
    if (pattern === '') {
      session.untagged(`LSUB (\\Noselect) "${SEPARATOR}" ""`);
      return ok('LSUB completed');
    }
    const folders = session.store.listFolders(session.user);
    const rows = selectMailboxes(folders, session.store.subscriptions(session.user), {
      patterns: [reference + pattern],
      subscribed: true,
      specialUse: false,
      recursiveMatch: 'percent',
    });
    for (const row of rows) writeRow(session, 'LSUB', row.selected ? '' : '\\Noselect', row);
    return ok('LSUB completed');
  },
});

export const listCommands: CommandEntry[] = [list, lsub];
