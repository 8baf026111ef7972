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

/** One argument as a subcommand reads it: a long option split at its first `=`. */
export interface CommandOption {
  /** The argument as given. */
  arg: string;
  /** `--name` of `--name=value`, else the whole argument. */
  name: string;
  /** The value of an option that takes one, from `--name=VALUE` or else the next argument. */
  value(): string;
  /** A switch (an option without a value): refused when given `--name=VALUE`. */
  flag(): true;
}

/**
 * The arguments of a subcommand, read the one way every subcommand reads them:
 * `--name VALUE` and `--name=VALUE` for an option with a value, `--name` alone for a
 * switch. A switch given a value (`--append=no`, `--keep-line-endings=false`) is a
 * usage error: read as on it would do the opposite of what was written, and no
 * spelling of "false" is guessed at.
 */
export function* commandOptions(argv: readonly string[]): Generator<CommandOption> {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const { name, inline } = splitLongOption(arg);
    yield {
      arg,
      name,
      value: () => {
        if (inline !== undefined) return inline;
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`${name} needs a value`);
        i++;
        return next;
      },
      flag: () => {
        noValue(name, inline);
        return true;
      },
    };
  }
}

/** `--name=value` as name and value; any other argument as its name alone. */
export function splitLongOption(arg: string): { name: string; inline: string | undefined } {
  const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
  return eq > 2 ? { name: arg.slice(0, eq), inline: arg.slice(eq + 1) } : { name: arg, inline: undefined };
}

/** Refuses `--switch=VALUE`: a switch is on when given and off when left out. */
export function noValue(name: string, inline: string | undefined): void {
  if (inline !== undefined) throw new UsageError(`${name} takes no value (got ${name}=${inline}): give ${name} alone to turn it on, leave it out for off`);
}

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
