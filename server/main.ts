#!/usr/bin/env node
import { loadConfig, optionTable } from './config.js';
import { formatHostPort } from './lib/host-port.js';
import { helpText, OptionError } from './lib/options.js';
import { createSandbox } from './sandbox.js';
import { COMMANDS } from './cli/commands.js';

/** Exit code for a configuration the process cannot run with (bad option, port in use). */
const EXIT_CONFIG = 2;

async function main(argv: string[]): Promise<void> {
  const command = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? COMMANDS[argv[0]] : undefined;
  if (command) {
    process.exitCode = await command(argv.slice(1), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: letterbox [options]\n\nA mail sandbox: SMTP catch-all, web inbox, Mailpit-compatible API, POP3 and IMAP.\n\nOptions:\n${helpText(optionTable)}\n`);
    return;
  }
  const config = loadConfig(argv, process.env);
  const sandbox = await createSandbox(config);
  const listeners = await sandbox.start();
  for (const l of listeners) process.stdout.write(`${l.name.padEnd(6)} listening on ${formatHostPort(l)}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    sandbox.stop(10_000).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** One clear line, no stack trace, for anything the user can fix. */
function describeStartupError(error: unknown): string | undefined {
  if (error instanceof OptionError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const e = error as { address?: string; port?: number; message?: string };
  if (code === 'EADDRINUSE') return `cannot listen on ${e.address}:${e.port}: address already in use`;
  if (code === 'EACCES') return `cannot listen on ${e.address}:${e.port}: permission denied`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${e.address}:${e.port}: address not available`;
  if (error instanceof Error && /auth file|TLS/.test(error.message)) return error.message;
  return undefined;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const line = describeStartupError(error);
  if (line) {
    process.stderr.write(`letterbox: ${line}\n`);
    process.exit(EXIT_CONFIG);
  }
  process.stderr.write(`letterbox: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
