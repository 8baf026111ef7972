import { ANY, AUTHENTICATED, command, none, ok, type CommandEntry } from '../command.js';
import { nstring } from '../encode.js';
import type { Reader } from '../parser.js';

/** RFC 3501 §6.1.1 */
const capability = command({
  name: 'CAPABILITY',
  readsNothing: true,
  states: ANY,
  parse: none,
  run(session) {
    session.untagged(`CAPABILITY ${session.capabilities().join(' ')}`);
    return ok('CAPABILITY completed');
  },
});

/** RFC 3501 §6.1.2: the dispatcher sends pending mailbox updates after every command. */
const noop = command({ name: 'NOOP', states: ANY, parse: none, run: () => ok('NOOP completed') });

/** RFC 3501 §6.1.3 */
const logout = command({
  name: 'LOGOUT',
  readsNothing: true,
  states: ANY,
  parse: none,
  run(session) {
    session.untagged('BYE Letterbox IMAP server logging out');
    session.deselect();
    session.state = 'logout';
    return ok('LOGOUT completed');
  },
});

/** RFC 2971 §4: `NIL`, or a list of field (string) and value (nstring) pairs. */
function readIdParams(r: Reader): Array<[string, string | null]> | null {
  if (r.word('NIL')) return null;
  const flat = r.list(() => (r.word('NIL') ? null : r.string()));
  if (flat.length % 2 !== 0) r.fail('field and value pairs expected');
  const pairs: Array<[string, string | null]> = [];
  for (let i = 0; i < flat.length; i += 2) {
    const field = flat[i];
    if (field === null || field === undefined) r.fail('a field is a string, not NIL');
    pairs.push([field, flat[i + 1] ?? null]);
  }
  return pairs;
}

/** RFC 2971: the client says who it is; the server answers in kind. */
const id = command({
  name: 'ID',
  readsNothing: true,
  states: ANY,
  parse(r) {
    r.sp();
    return readIdParams(r);
  },
  run(session, params) {
    if (params) session.log.debug('client id', Object.fromEntries(params.slice(0, 30)));
    const fields = [['name', 'Letterbox'], ['vendor', 'Letterbox'], ['support-url', 'https://github.com/letterbox']] as const;
    const rendered = fields.map(([k, v]) => `${nstring(k)} ${nstring(v)}`).join(' ');
    session.untagged(`ID (${rendered})`);
    return ok('ID completed');
  },
});

/** What ENABLE can turn on (RFC 5161 §3.1: unknown names are ignored). */
const ENABLEABLE = new Set(['IMAP4REV2', 'CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT']);

/** RFC 5161 */
const enable = command({
  name: 'ENABLE',
  states: AUTHENTICATED,
  parse(r) {
    const names: string[] = [];
    while (r.maybeSp()) names.push(r.atom().toUpperCase());
    if (names.length === 0) r.fail('ENABLE needs a capability');
    return names;
  },
  run(session, names) {
    const enabled: string[] = [];
    for (const name of names) {
      if (!ENABLEABLE.has(name) || session.enabled.has(name)) continue;
      session.enabled.add(name);
      // RFC 7162 §3.2.3: enabling QRESYNC enables CONDSTORE as well.
      if (name === 'CONDSTORE' || name === 'QRESYNC') session.enableCondstore();
      enabled.push(name === 'IMAP4REV2' ? 'IMAP4rev2' : name);
    }
    session.untagged(`ENABLED${enabled.map((n) => ' ' + n).join('')}`);
    return ok('ENABLE completed');
  },
});

export const anyStateCommands: CommandEntry[] = [capability, noop, logout, id, enable];
