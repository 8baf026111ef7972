import { readFile, stat } from 'node:fs/promises';

/**
 * The text of a configuration file a person wrote (an auth file, the inboxes file):
 * at most `maxBytes`, and UTF-8 read strictly, since readFile(…, 'utf8') would turn a
 * bad byte into U+FFFD, a character no one can type in a password or a pattern. Each
 * refusal is `refuse(message)`, a message naming the file (`what`, e.g. "auth file").
 */
export async function readConfigText(path: string, what: string, maxBytes: number, refuse: (message: string) => Error): Promise<string> {
  // Its size when too large, so nothing is read; else its bytes.
  let read: number | Buffer;
  try {
    const { size } = await stat(path);
    read = size > maxBytes ? size : await readFile(path);
  } catch (error) {
    throw refuse(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (typeof read === 'number') throw refuse(`${what} ${path}: ${read} bytes, more than the ${maxBytes} an ${what} may hold`);
  const bytes = read;
  // The file may have grown between stat and read.
  if (bytes.length > maxBytes) throw refuse(`${what} ${path}: more than the ${maxBytes} bytes an ${what} may hold`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse(`${what} ${path}: not valid UTF-8`);
  }
}
