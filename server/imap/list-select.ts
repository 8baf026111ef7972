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

/**
 * A LIST pattern (RFC 3501 §6.3.8): `*` matches anything, `%` anything but the
 * separator (or anything, with `percentCrosses`). Run as a set of pattern positions
 * over the name, so its cost is at most name × pattern: a regular expression
 * backtracks exponentially on `*a*a*a…b` against a long name of `a`s, and one LIST
 * could hold the whole server for minutes.
 */
function patternMatcher(pattern: string, percentCrosses = false): (name: string) => boolean {
  // A run of wildcards matches what its widest member does; one is enough.
  const p = pattern.replace(/[*%]*\*[*%]*/g, '*').replace(/%+/g, '%');
  const m = p.length;
  const wild = (i: number) => p[i] === '*' || p[i] === '%';
  const run = (name: string, caseless: boolean): boolean => {
    let now = new Uint8Array(m + 1);
    let next = new Uint8Array(m + 1);
    // Wildcards match the empty string: a position before one is also the position after it.
    const close = (set: Uint8Array) => {
      for (let i = 0; i < m; i++) if (set[i] && wild(i)) set[i + 1] = 1;
    };
    now[0] = 1;
    close(now);
    // By UTF-16 unit, as the pattern is read: a wildcard takes a surrogate pair as two.
    for (let k = 0; k < name.length; k++) {
      const c = name[k] as string;
      next.fill(0);
      let any = false;
      for (let i = 0; i < m; i++) {
        if (!now[i]) continue;
        const t = p[i] as string;
        if (t === '*' || (t === '%' && (percentCrosses || c !== SEPARATOR))) next[i] = 1;
        else if (t === c || (caseless && t.toUpperCase() === c.toUpperCase())) next[i + 1] = 1;
        else continue;
        any = true;
      }
      if (!any) return false;
      close(next);
      [now, next] = [next, now];
    }
    return now[m] === 1;
  };
  // INBOX is case-insensitive (RFC 3501 §5.1): `inbox` and `In%` find it too.
  return (name) => run(name, false) || (name === 'INBOX' && run(name, true));
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
  const matchers = selection.patterns.map((pattern) => patternMatcher(pattern));
  const matchesAny = (name: string) => matchers.some((match) => match(name));
  // The same patterns with `%` crossing levels: what a `%` alone kept from matching.
  const loose = selection.recursiveMatch === 'percent' ? selection.patterns.map((pattern) => patternMatcher(pattern, true)) : [];
  const recurses = (name: string) => selection.recursiveMatch === 'any' || loose.some((match) => match(name));
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
