import { AUTHENTICATED, command, no, ok, type CommandEntry } from '../command.js';
import type { Reader } from '../parser.js';
import { folderError, readMailbox } from './mailbox-args.js';

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
  async run(session, { name, uses }) {
    const use = uses[0] ?? '';
    const known = [...CREATABLE_USES].find((u) => u.toLowerCase() === use.toLowerCase());
    // RFC 6154 §3: a use the server cannot give is NO [USEATTR], and nothing is created.
    if (uses.length > 1 || (use && !known)) return no(`Cannot create a mailbox with the use ${uses.join(' ')}`, 'USEATTR');
    const created = await session.store.createFolder(session.user, name, known ?? '');
    if (typeof created === 'string') return folderError(created, name);
    return ok('CREATE completed');
  },
});

export const createCommands: CommandEntry[] = [create];
