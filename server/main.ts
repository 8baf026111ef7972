#!/usr/bin/env node
import { loadConfig, optionGroups } from './config.js';
import { formatHostPort } from './lib/host-port.js';
import { listenFailure } from './lib/listen.js';
import { helpText, OptionError } from './lib/options.js';
import type { Command } from './cli/io.js';
import { AuthFileError } from './security/auth-file.js';
import { DatabaseUnreachableError } from './store/store-unavailable.js';

/** Exit code for a configuration the process cannot run with (bad option, port in use, a database it cannot reach). */
const EXIT_CONFIG = 2;

/**
 * `letterbox <command> [args]`: the server is the default when the first argument is
 * an option (or there is none). Each command is loaded only when it runs; the tools
 * (server/cli/) get the process's streams and answer with an exit status.
 */
interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

const COMMANDS: Record<string, CommandEntry> = {
  serve: { summary: 'Run the sandbox (the default)', load: async () => (argv) => serve([...argv]) },
  sendmail: { summary: 'Send the message on standard input over SMTP, as sendmail does (-t, -f, -i)', load: async () => (await import('./cli/sendmail.js')).sendmail },
  import: { summary: 'Send .eml, mbox, zip or Maildir messages to a running Letterbox', load: async () => (await import('./cli/import.js')).importCommand },
  export: { summary: 'Save the messages of a running Letterbox as mbox or a zip of .eml files', load: async () => (await import('./cli/export.js')).exportCommand },
  migrate: { summary: 'Move the mail of a --data-dir folder into a PostgreSQL database (--database), for several nodes', load: async () => (await import('./cli/migrate.js')).migrateCommand },
  mcp: { summary: 'Serve the Model Context Protocol on stdio, for AI agents, over a running Letterbox', load: async () => (await import('./mcp/stdio-command.js')).mcpCommand },
  healthcheck: { summary: 'Exit 0 when the Letterbox these options describe is alive (for container health checks)', load: async () => (await import('./cli/healthcheck.js')).healthcheck },
  help: { summary: 'Show this help', load: async () => async (_argv, io) => (io.stdout.write(usage()), 0) },
};

function usage(): string {
  const commands = Object.entries(COMMANDS)
    .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`)
    .join('\n');
  return (
    'Usage: letterbox [command] [options]\n\n' +
    'A mail sandbox for developers: SMTP catch-all, web inbox, Mailpit-compatible API, POP3 and IMAP.\n\n' +
    `Commands:\n${commands}\n\n` +
    'Options (every one also as the LETTERBOX_* variable shown), by what they set:\n\n' +
    helpText(optionGroups) +
    '\n'
  );
}

async function serve(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return 0;
  }
  const config = loadConfig(argv, process.env);
  // Loaded only now: --help, a bad option and the tools need none of the fronts.
  const { createSandbox } = await import('./sandbox.js');
  const sandbox = await createSandbox(config);
  // SIGHUP re-reads the --inboxes file (a refused file is logged and the old one kept).
  // Set before the listening lines: a SIGHUP sent on seeing them must not meet the default, which ends the process.
  if (sandbox.inboxes) process.on('SIGHUP', () => void sandbox.reloadInboxes());
  const listeners = await sandbox.start();
  for (const l of listeners) process.stdout.write(`${l.name.padEnd(6)} listening on ${l.scheme ? `${l.scheme}://` : ''}${formatHostPort(l)}\n`);

  // First signal: stop accepting, let open SMTP transactions finish (bounded), exit 0.
  // A second one stops at once.
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`letterbox: ${signal} again, stopping now\n`);
        void sandbox.stop(0);
        return resolve(1);
      }
      stopping = true;
      process.stdout.write(`${signal}: stopping (open SMTP transactions have ${config.shutdownGrace} ms)\n`);
      sandbox.stop(config.shutdownGrace).then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`letterbox: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) return serve(argv);
  const entry = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!entry) throw new OptionError(`unknown command "${first}" (commands: ${Object.keys(COMMANDS).join(', ')}; see --help)`);
  const command = await entry.load();
  return command(rest, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
}

/** One clear line, no stack trace, for anything the user can fix. */
function describeStartupError(error: unknown): string | undefined {
  if (error instanceof OptionError || error instanceof AuthFileError || error instanceof DatabaseUnreachableError) return error.message;
  return listenFailure(error);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const line = describeStartupError(error);
    if (line) {
      process.stderr.write(`letterbox: ${line}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(`letterbox: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
