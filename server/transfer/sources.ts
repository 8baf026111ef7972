import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { isMaildir, readMaildir } from './maildir.js';
import { looksLikeMbox, readMbox } from './mbox.js';
import { looksLikeZip, readZip } from './zip-reader.js';

/**
 * Every message under the paths given to `letterbox import`, in order: an .eml file,
 * an mbox file, a zip of .eml files, a Maildir, or a directory of any of these.
 */

export interface SourceMessage {
  /** Where it came from, for messages to the user: `file`, `file#3`, `archive.zip:name.eml`. */
  origin: string;
  raw: Buffer;
  /** The envelope sender an mbox `From ` line gives, if any. */
  sender?: string;
}

export class SourceError extends Error {}

export async function* readSources(paths: readonly string[]): AsyncGenerator<SourceMessage> {
  for (const path of paths) yield* readPath(path, true);
}

async function* readPath(path: string, named: boolean): AsyncGenerator<SourceMessage> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new SourceError(`${path}: no such file or directory`);
  if (info.isDirectory()) {
    if (await isMaildir(path)) {
      for await (const message of readMaildir(path)) yield { origin: message.path, raw: message.raw };
      return;
    }
    const names = (await readdir(path)).filter((name) => !name.startsWith('.')).sort();
    for (const name of names) yield* readPath(join(path, name), false);
    return;
  }
  if (!info.isFile()) return;
  // Inside a directory, only what is clearly mail is read; a file named on the command line always is.
  const ext = extname(path).toLowerCase();
  if (!named && !['.eml', '.mbox', '.mbx', '.zip', ''].includes(ext)) return;
  const bytes = await readFile(path);
  if (looksLikeZip(bytes)) {
    for (const entry of readZip(bytes)) {
      if (basename(entry.name).startsWith('.')) continue;
      yield { origin: `${path}:${entry.name}`, raw: entry.data };
    }
  } else if (looksLikeMbox(bytes)) {
    let n = 0;
    for (const entry of readMbox(bytes)) yield { origin: `${path}#${++n}`, raw: entry.raw, sender: entry.sender };
  } else if (bytes.length > 0) {
    yield { origin: path, raw: bytes };
  }
}
