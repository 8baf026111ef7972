import { SEPARATOR } from '../../store/folders.js';
import { AUTHENTICATED, command, none, ok, type CommandEntry } from '../command.js';
import { quoted } from '../encode.js';

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

export const namespaceCommands: CommandEntry[] = [namespace];
