import { readFile, stat } from 'node:fs/promises';

/**
 * The text of a configuration file a person wrote (an auth file, the inboxes file):
 * a regular file of at most `maxBytes`, and UTF-8 read strictly, since readFile(…, 'utf8')
 * would turn a bad byte into U+FFFD, a character no one can type in a password or a
 * pattern. Each refusal is `refuse(message)`, a message naming the file (`what`, e.g.
 * "auth file").
 */
export async function readConfigText(path: string, what: string, maxBytes: number, refuse: (message: string) => Error): Promise<string> {
  const cannotRead = (error: unknown) => refuse(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  const file = await stat(path).catch((error: unknown) => Promise.reject(cannotRead(error)));
  // A FIFO or a device has no size to check first, and may never end.
  if (!file.isFile()) throw refuse(`${what} ${path}: not a regular file`);
  if (file.size > maxBytes) throw refuse(`${what} ${path}: ${file.size} bytes, more than the ${maxBytes} an ${what} may hold`);
  const bytes = await readFile(path).catch((error: unknown) => Promise.reject(cannotRead(error)));
  // The file may have grown between stat and read.
  if (bytes.length > maxBytes) throw refuse(`${what} ${path}: more than the ${maxBytes} bytes an ${what} may hold`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse(`${what} ${path}: not valid UTF-8`);
  }
}
