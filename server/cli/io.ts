import type { Readable, Writable } from 'node:stream';

/** What a subcommand touches of the process, passed in so tests can run it in-process. */
export interface CommandIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Readonly<Record<string, string | undefined>>;
}

/** A subcommand: arguments after its name in, exit status out. */
export type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

/** Exit statuses from sysexits.h, which sendmail callers (PHP, cron) understand. */
export const EX = {
  OK: 0,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  UNAVAILABLE: 69,
  CANTCREAT: 73,
  TEMPFAIL: 75,
} as const;

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Wrong arguments: said on stderr with the usage, exit EX.USAGE. */
export class UsageError extends Error {}

/**
 * A subcommand's arguments, or the exit code to return at once: 0 after printing the
 * usage for --help, EX.USAGE after printing what was wrong with them.
 */
export function commandArgs<T>(
  name: string,
  usage: string,
  parse: (argv: readonly string[], env: CommandIo['env']) => T | 'help',
  argv: readonly string[],
  io: CommandIo,
): { ok: true; args: T } | { ok: false; exit: number } {
  try {
    const parsed = parse(argv, io.env);
    if (parsed !== 'help') return { ok: true, args: parsed };
    io.stdout.write(usage);
    return { ok: false, exit: EX.OK };
  } catch (error) {
    io.stderr.write(`letterbox ${name}: ${(error as Error).message}\n${usage}`);
    return { ok: false, exit: EX.USAGE };
  }
}
