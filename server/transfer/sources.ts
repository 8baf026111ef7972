import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, sep } from 'node:path';
import { isMaildir, readMaildir } from './maildir.js';
import { looksLikeMbox, readMbox } from './mbox.js';
import { listZip, looksLikeZip, ZipReadError } from './zip-reader.js';

/**
 * Every message under the paths given to `letterbox import`, in order: an .eml file,
 * an mbox file, a zip of .eml files, a Maildir, or a directory of any of these.
 *
 * Symbolic links are followed, but every real directory and file is read once per run
 * (known by device and inode), and a link to a directory that holds the link (`back ->
 * ..`) is not followed at all: a loop of links cannot send the same mail again and
 * again, nor wander out of the tree it was asked to read. What is passed over is said
 * through `note`.
 */

export interface SourceMessage {
  /** Where it came from, for messages to the user: `file`, `file#3`, `archive.zip:name.eml`. */
  origin: string;
  raw: Buffer;
  /** The envelope sender an mbox `From ` line gives, if any. */
  sender?: string;
}

/** A path that cannot be read as asked: said as it is, and the import stops. */
export class SourceError extends Error {}

export interface ReadSourcesOptions {
  /** Told about a path passed over (a link loop, something already read), as one line. */
  note?: (line: string) => void;
}

interface Walk {
  /** `dev:ino` of every directory and file read so far. */
  seen: Set<string>;
  note: (line: string) => void;
}

export async function* readSources(paths: readonly string[], options: ReadSourcesOptions = {}): AsyncGenerator<SourceMessage> {
  const walk: Walk = { seen: new Set(), note: options.note ?? (() => undefined) };
  for (const path of paths) yield* readPath(path, true, walk);
}

/** The error of a file operation as one truthful phrase (ELOOP is not "no such file"). */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ELOOP':
      return 'too many levels of symbolic links (a loop of links)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return (error as Error).message;
  }
}

async function statOf(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    // A link whose target is missing is not the same as a missing path: say which.
    const link = await lstat(path).then((s) => s.isSymbolicLink(), () => false);
    const code = (error as NodeJS.ErrnoException).code;
    throw new SourceError(`${path}: ${link && code === 'ENOENT' ? 'a symbolic link to a missing file or directory' : reason(error)}`);
  }
}

async function orSourceError<T>(path: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw new SourceError(`${path}: ${reason(error)}`);
  }
}

async function* readPath(path: string, named: boolean, walk: Walk): AsyncGenerator<SourceMessage> {
  const info = await statOf(path);
  const key = `${info.dev}:${info.ino}`;
  if (info.isDirectory()) {
    if (!named && (await orSourceError(path, lstat(path))).isSymbolicLink()) {
      // `back -> ..`: following it would read the tree again from above.
      const target = await orSourceError(path, realpath(path));
      const here = await orSourceError(path, realpath(dirname(path)));
      if (here === target || here.startsWith(target.endsWith(sep) ? target : target + sep)) {
        walk.note(`${path}: skipped, a symbolic link to ${target}, which holds it`);
        return;
      }
    }
    if (walk.seen.has(key)) {
      walk.note(`${path}: skipped, a directory already read (through another link)`);
      return;
    }
    walk.seen.add(key);
    if (await isMaildir(path)) {
      const messages = readMaildir(path);
      for (;;) {
        const next = await orSourceError(path, messages.next());
        if (next.done) return;
        yield { origin: next.value.path, raw: next.value.raw };
      }
    }
    const names = (await orSourceError(path, readdir(path))).filter((name) => !name.startsWith('.')).sort();
    for (const name of names) yield* readPath(join(path, name), false, walk);
    return;
  }
  if (!info.isFile()) return;
  // Inside a directory, only what is clearly mail is read; a file named on the command line always is.
  const ext = extname(path).toLowerCase();
  if (!named && !['.eml', '.mbox', '.mbx', '.zip', ''].includes(ext)) return;
  if (walk.seen.has(key)) {
    walk.note(`${path}: skipped, a file already read (through another name or link)`);
    return;
  }
  walk.seen.add(key);
  const bytes = await orSourceError(path, readFile(path));
  if (looksLikeZip(bytes)) {
    let entries;
    try {
      entries = listZip(bytes);
    } catch (error) {
      if (error instanceof ZipReadError) throw new SourceError(`${path}: ${error.message}`);
      throw error;
    }
    // One entry inflated at a time, as it is sent: the archive's mail is never all in memory.
    for (const entry of entries) {
      if (basename(entry.name).startsWith('.')) continue;
      let raw: Buffer;
      try {
        raw = entry.read();
      } catch (error) {
        if (error instanceof ZipReadError) throw new SourceError(`${path}: ${error.message}`);
        throw error;
      }
      yield { origin: `${path}:${entry.name}`, raw };
    }
  } else if (looksLikeMbox(bytes)) {
    let n = 0;
    for (const entry of readMbox(bytes)) yield { origin: `${path}#${++n}`, raw: entry.raw, sender: entry.sender };
  } else if (bytes.length > 0) {
    yield { origin: path, raw: bytes };
  }
}
