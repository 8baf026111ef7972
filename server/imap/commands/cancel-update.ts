import { command, ok, SELECTED, type CommandEntry } from '../command.js';
import type { Reader } from '../parser.js';

/** cancelupdate (RFC 5267 §4.2): "CANCELUPDATE" 1*(SP quoted): the tags whose results stop being updated. */
function readTags(r: Reader): string[] {
  const tags: string[] = [];
  while (r.maybeSp()) tags.push(r.string());
  if (tags.length === 0) r.fail('CANCELUPDATE needs the tag of a search');
  return tags;
}

const cancelUpdate = command<string[]>({
  name: 'CANCELUPDATE',
  states: SELECTED,
  parse: readTags,
  run(session, tags) {
    // A tag with no live result is not an error: its updates may have ended with the mailbox.
    for (const tag of tags) session.contexts.cancel(tag);
    return ok('CANCELUPDATE completed');
  },
});

export const cancelUpdateCommands: CommandEntry[] = [cancelUpdate];
