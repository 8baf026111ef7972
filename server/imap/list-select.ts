/**
 * Which mailbox names a LIST or LSUB answers with (RFC 3501 §6.3.8/§6.3.9, RFC 5258
 * LIST-EXTENDED selection options, RFC 6154 SPECIAL-USE). Pure: it reads the login's
 * folders and subscriptions and returns rows; the command writes them.
 */
import { SEPARATOR, type FolderInfo } from '../store/folders.js';

export interface ListSelection {
  /** Patterns with the reference name already prefixed (RFC 3501 §6.3.8). */
  patterns: readonly string[];
  /** Only subscribed names (LSUB, or RFC 5258 §3.1 SUBSCRIBED). */
  subscribed: boolean;
  /** Only special-use folders (RFC 6154 §5.3). */
  specialUse: boolean;
  /**
   * RFC 5258 §3.5 RECURSIVEMATCH: a name matching a pattern is also listed when it
   * fails the selection itself but a descendant that matches no pattern passes it.
   * LSUB does the same only for a descendant that a `%` hid (RFC 3501 §6.3.9: it
   * answers such names as \Noselect): `percent`.
   */
  recursiveMatch: 'none' | 'any' | 'percent';
}

export interface ListRow {
  name: string;
  /** The folder of that name, if there is one. */
  folder: FolderInfo | undefined;
  /** Some folder lies below this name. */
  hasChildren: boolean;
  subscribed: boolean;
  /** The name passed the selection itself; else it is listed only for a descendant. */
  selected: boolean;
  /** A descendant matching no pattern passed the selection (RFC 5258 §3.5 CHILDINFO). */
  childInfo: boolean;
}

/** A LIST pattern (RFC 3501 §6.3.8): `*` matches anything, `%` anything but the separator. */
function patternToRegExp(pattern: string, percent = `[^${SEPARATOR}]*`): RegExp {
  // A run of wildcards matches what its widest member does; one is enough (and keeps backtracking down).
  const body = pattern
    .replace(/[*%]*\*[*%]*/g, '*')
    .replace(/%+/g, '%').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, percent);
  return new RegExp(`^${body}$`, 's');
}

function matches(name: string, pattern: RegExp): boolean {
  if (pattern.test(name)) return true;
  // INBOX is case-insensitive (RFC 3501 §5.1): `inbox` and `In%` find it too.
  return name === 'INBOX' && new RegExp(pattern.source, 'si').test(name);
}

/** Every hierarchy level that has inferiors (RFC 3501 §5.1.1), whether or not it is a folder. */
export function superiorsOf(folders: readonly FolderInfo[]): Set<string> {
  const superiors = new Set<string>();
  for (const { name } of folders) {
    for (let at = name.indexOf(SEPARATOR); at !== -1; at = name.indexOf(SEPARATOR, at + 1)) superiors.add(name.slice(0, at));
  }
  return superiors;
}

/** A folder's LIST attributes: children (RFC 3348), special use (RFC 6154), \Subscribed (RFC 5258). */
export function listAttributes(folder: FolderInfo, superiors: ReadonlySet<string>, subscribed = false): string {
  const attrs = [superiors.has(folder.name) ? '\\HasChildren' : '\\HasNoChildren'];
  if (folder.specialUse) attrs.push(folder.specialUse);
  if (subscribed && folder.subscribed) attrs.push('\\Subscribed');
  return attrs.join(' ');
}

export function selectMailboxes(folders: readonly FolderInfo[], subscriptions: ReadonlySet<string>, selection: ListSelection): ListRow[] {
  const regexps = selection.patterns.map((pattern) => patternToRegExp(pattern));
  const matchesAny = (name: string) => regexps.some((regexp) => matches(name, regexp));
  // The same patterns with `%` crossing levels: what a `%` alone kept from matching.
  const loose = selection.recursiveMatch === 'percent' ? selection.patterns.map((pattern) => patternToRegExp(pattern, '.*')) : [];
  const recurses = (name: string) => selection.recursiveMatch === 'any' || loose.some((regexp) => matches(name, regexp));
  const byName = new Map(folders.map((folder) => [folder.name, folder]));
  const superiors = superiorsOf(folders);
  const passes = (name: string) => !selection.specialUse || Boolean(byName.get(name)?.specialUse);
  // The names that pass the selection: subscriptions, or every folder and every level above one.
  const candidates = selection.subscribed ? [...subscriptions] : [...byName.keys(), ...[...superiors].filter((name) => !byName.has(name))];
  const rows = new Map<string, ListRow>();
  const add = (name: string, selected: boolean): ListRow => {
    let row = rows.get(name);
    if (!row) rows.set(name, (row = { name, folder: byName.get(name), hasChildren: superiors.has(name), subscribed: subscriptions.has(name), selected, childInfo: false }));
    return row;
  };
  const deferred: string[] = [];
  for (const name of candidates) {
    if (!passes(name)) continue;
    if (matchesAny(name)) add(name, true);
    else if (recurses(name)) deferred.push(name);
  }
  for (const name of deferred) {
    for (let at = name.indexOf(SEPARATOR); at !== -1; at = name.indexOf(SEPARATOR, at + 1)) {
      const parent = name.slice(0, at);
      if (matchesAny(parent)) add(parent, false).childInfo = true;
    }
  }
  return [...rows.values()];
}
