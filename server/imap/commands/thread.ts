import type { CommandEntry } from '../command.js';
import type { Reader } from '../parser.js';
import type { Session } from '../session.js';
import { factsOf, learnFacts, type HeaderFacts } from '../sort/message-facts.js';
import { threadByOrderedSubject } from '../sort/thread-ordered-subject.js';
import { threadByReferences, type ThreadAlgorithm } from '../sort/thread-references.js';
import { formatThreads } from '../sort/thread-tree.js';
import type { StoredMessage } from '../../store/types.js';
import { readCharset, readSearchKeys, searchingCommand, type SearchCriteria } from './search.js';

interface Threading {
  algorithm: ThreadAlgorithm;
  /** The header facts it reads (ORDEREDSUBJECT reads the summary's subject and date only). */
  reads: HeaderFacts[];
}

/** RFC 5256 §3 threading algorithms, as advertised in THREAD=… capabilities. */
const ALGORITHMS: Readonly<Record<string, Threading>> = {
  REFERENCES: { algorithm: threadByReferences, reads: ['thread-ids'] },
  ORDEREDSUBJECT: { algorithm: threadByOrderedSubject, reads: [] },
};

interface ThreadArgs extends SearchCriteria {
  threading: Threading;
}

/** thread (RFC 5256 §5): "THREAD" SP thread-alg SP search-charset 1*(SP search-key). */
function readThread(r: Reader, session: Session): ThreadArgs {
  r.sp();
  const name = r.atom().toUpperCase();
  const threading = ALGORITHMS[name];
  if (!threading) return r.fail(`unknown threading algorithm ${name.slice(0, 30)}`);
  r.sp();
  const badCharset = readCharset(r, session);
  r.sp();
  return { threading, badCharset, key: readSearchKeys(r) };
}

/** RFC 5256 THREAD and UID THREAD. */
function threadCommand(name: string): CommandEntry {
  return searchingCommand<ThreadArgs>(name, readThread, async (view, found, { threading }, call, session) => {
    const known = await learnFacts(session.store, view.messages, found, threading.reads);
    const items = known.map((i) => factsOf(view.messages[i] as StoredMessage));
    const threads = formatThreads(threading.algorithm(items, known.map((i) => (call.uid ? (view.uids[i] as number) : i + 1))));
    return `THREAD${threads ? ' ' + threads : ''}`;
  });
}

export const threadCommands: CommandEntry[] = [threadCommand('THREAD'), threadCommand('UID THREAD')];
