import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Maildir (as described by D. J. Bernstein's maildir(5)): one message per file in
 * `new/` (not yet seen by a client) and `cur/` (seen, with flags after `:2,`). `tmp/`
 * holds deliveries in progress and is never read. Flags are not carried over: import
 * goes through SMTP, which has no way to say "already read".
 */

export interface MaildirMessage {
  path: string;
  raw: Buffer;
}

export async function isMaildir(dir: string): Promise<boolean> {
  const results = await Promise.all(['cur', 'new'].map((sub) => stat(join(dir, sub)).then((s) => s.isDirectory(), () => false)));
  return results.some(Boolean);
}

/** Messages of a Maildir in delivery order (file names start with the delivery time). */
export async function* readMaildir(dir: string): AsyncGenerator<MaildirMessage> {
  const files: Array<{ path: string; name: string }> = [];
  for (const sub of ['new', 'cur']) {
    const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith('.')) continue;
      files.push({ path: join(dir, sub, name), name });
    }
  }
  files.sort((a, b) => deliveryKey(a.name) - deliveryKey(b.name) || a.name.localeCompare(b.name));
  for (const file of files) {
    const info = await stat(file.path);
    if (!info.isFile()) continue;
    yield { path: file.path, raw: await readFile(file.path) };
  }
}

/** The leading `seconds.` of a Maildir name (0 when it has none). */
function deliveryKey(name: string): number {
  const seconds = /^(\d+)/.exec(name);
  return seconds ? Number(seconds[1]) : 0;
}
