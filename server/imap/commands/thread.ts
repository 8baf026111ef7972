import type { CommandEntry } from '../command.js';
import type { Reader } from '../parser.js';
import type { Session } from '../session.js';
import { factsOf } from '../sort/message-facts.js';
import { threadByOrderedSubject } from '../sort/thread-ordered-subject.js';
import { threadByReferences, type ThreadAlgorithm } from '../sort/thread-references.js';
import { formatThreads } from '../sort/thread-tree.js';
import type { StoredMessage } from '../../store/types.js';
import { readCharset, readSearchKeys, searchingCommand, type SearchCriteria } from './search.js';

/** RFC 5256 §3 threading algorithms, as advertised in THREAD=… capabilities. */
const ALGORITHMS: Readonly<Record<string, ThreadAlgorithm>> = {
  REFERENCES: threadByReferences,
  ORDEREDSUBJECT: threadByOrderedSubject,
};

interface ThreadArgs extends SearchCriteria {
  algorithm: ThreadAlgorithm;
}

/** thread (RFC 5256 §5): "THREAD" SP thread-alg SP search-charset 1*(SP search-key). */
function readThread(r: Reader, session: Session): ThreadArgs {
  r.sp();
  const name = r.atom().toUpperCase();
  const algorithm = ALGORITHMS[name];
  if (!algorithm) return r.fail(`unknown threading algorithm ${name.slice(0, 30)}`);
  r.sp();
  const badCharset = readCharset(r, session);
  r.sp();
  return { algorithm, badCharset, key: readSearchKeys(r) };
}

/** RFC 5256 THREAD and UID THREAD. */
function threadCommand(name: string): CommandEntry {
  return searchingCommand<ThreadArgs>(name, readThread, (view, found, { algorithm }, call) => {
    const items = found.map((i) => factsOf(view.messages[i] as StoredMessage));
    const threads = formatThreads(algorithm(items, found.map((i) => (call.uid ? (view.uids[i] as number) : i + 1))));
    return `THREAD${threads ? ' ' + threads : ''}`;
  });
}

export const threadCommands: CommandEntry[] = [threadCommand('THREAD'), threadCommand('UID THREAD')];
