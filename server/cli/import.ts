import { hostname } from 'node:os';
import { parseHostPort, type HostPort } from '../lib/host-port.js';
import { envelopeFromHeader } from '../transfer/envelope.js';
import { unixToWire } from '../transfer/line-endings.js';
import { readSources, SourceError } from '../transfer/sources.js';
import { addressProblem, firstBadAddress, quoted, senderProblem } from './addresses.js';
import { commandArgs, commandOptions, EX, UsageError, type Command } from './io.js';
import { bytes, count, progressLine } from './progress.js';
import { SmtpClient, SmtpCommandError, SmtpReplyError } from './smtp-client.js';

const USAGE = `Usage: letterbox import [options] PATH ...

Sends every message found under the paths to a running Letterbox over SMTP: .eml files,
mbox files, zips of .eml files (as letterbox export writes them), Maildirs, and
directories of these. On a terminal a progress line shows the count, bytes and rate. The message bytes arrive unchanged; a file using bare LF line
endings throughout is sent with CRLF (as SMTP requires) unless --keep-line-endings;
a message that does not end in CRLF gets one, since SMTP's end of data needs it.

  --smtp-addr HOST:PORT   Where Letterbox listens (default 127.0.0.1:1025; env LETTERBOX_SMTP_ADDR)
  --to ADDRESS            Deliver every message to this recipient instead of those in its header
  --from ADDRESS          Envelope sender for every message (default: mbox From line, Return-Path, From)
  --auth USER:PASSWORD    SMTP AUTH PLAIN credentials (env LETTERBOX_SMTP_AUTH)
  --keep-line-endings     Send bare-LF files as they are

Addresses, given or read from a message, must be plain mailboxes (bob@example.com); a
message whose header gives one that is not is reported and skipped. A directory is
read once however many links lead to it; a link back to a folder above it is skipped.
Zip archives are read one entry at a time, and refused whole when entries overlap or
when they hold more than 65,535 entries or 4 GiB (an entry at most 1 GiB) inflated.
`;

interface ImportArgs {
  smtpAddr: HostPort;
  to: string | undefined;
  from: string | undefined;
  auth: { username: string; password: string } | undefined;
  keepLineEndings: boolean;
  paths: string[];
}

function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ImportArgs | 'help' {
  const args: ImportArgs = {
    smtpAddr: parseHostPort(env.LETTERBOX_SMTP_ADDR || '127.0.0.1:1025', '127.0.0.1'),
    to: undefined,
    from: undefined,
    auth: undefined,
    keepLineEndings: false,
    paths: [],
  };
  let authText = env.LETTERBOX_SMTP_AUTH;
  for (const { arg, name, value, flag } of commandOptions(argv)) {
    if (name === '--help' || name === '-h') return flag() && 'help';
    else if (name === '--smtp-addr') args.smtpAddr = parseHostPort(value(), '127.0.0.1');
    else if (name === '--to') args.to = value();
    else if (name === '--from') args.from = value();
    else if (name === '--auth') authText = value();
    else if (name === '--keep-line-endings') args.keepLineEndings = flag();
    else if (name.startsWith('-')) throw new UsageError(`unknown option ${name}`);
    else args.paths.push(arg);
  }
  if (args.to !== undefined) {
    const problem = addressProblem(args.to);
    if (problem) throw new UsageError(`--to ${quoted(args.to)} is not an address: ${problem}`);
  }
  if (args.from !== undefined) {
    // `--from ''` (or `<>`) is the null sender.
    if (args.from === '<>') args.from = '';
    const problem = senderProblem(args.from);
    if (problem) throw new UsageError(`--from ${quoted(args.from)} is not an address: ${problem}`);
  }
  if (authText) {
    const colon = authText.indexOf(':');
    if (colon < 0) throw new UsageError('--auth expects USER:PASSWORD');
    args.auth = { username: authText.slice(0, colon), password: authText.slice(colon + 1) };
  }
  if (args.paths.length === 0) throw new UsageError('give at least one file or directory to import');
  return args;
}

/** Imports over one SMTP session; a refused message is reported and the rest go on. */
export const importCommand: Command = async (argv, io) => {
  const read = commandArgs('import', USAGE, parseArgs, argv, io);
  if (!read.ok) return read.exit;
  const { args } = read;
  let client: SmtpClient | undefined;
  let imported = 0;
  let failed = 0;
  let sent = 0;
  const progress = progressLine(io.stderr, (seconds) => `importing: ${count(imported)} messages, ${bytes(sent)}, ${count(Math.round(imported / seconds))} messages/s`);
  try {
    client = await SmtpClient.open({ ...args.smtpAddr, helo: hostname() || 'localhost', auth: args.auth, timeoutMs: 60_000 });
    const note = (line: string) => io.stderr.write(`letterbox import: ${line}\n`);
    for await (const source of readSources(args.paths, { note })) {
      const raw = args.keepLineEndings ? source.raw : unixToWire(source.raw);
      const read = envelopeFromHeader(raw);
      if (!read.ok) {
        failed++;
        io.stderr.write(`letterbox import: ${source.origin}: ${read.error}\n`);
        continue;
      }
      const header = read.envelope;
      const envelope = { mailFrom: args.from ?? (source.sender || header.mailFrom), rcptTo: args.to ? [args.to] : header.rcptTo };
      if (envelope.rcptTo.length === 0) {
        failed++;
        io.stderr.write(`letterbox import: ${source.origin}: no recipient in To, Cc or Bcc (give --to)\n`);
        continue;
      }
      // What the message gives is checked as --to and --from are; a bad one skips the message.
      const badRecipient = args.to === undefined ? firstBadAddress(envelope.rcptTo) : undefined;
      if (badRecipient) {
        failed++;
        io.stderr.write(`letterbox import: ${source.origin}: recipient ${quoted(badRecipient.address)} is not an address: ${badRecipient.problem} (give --to)\n`);
        continue;
      }
      const senderProblemText = args.from === undefined ? senderProblem(envelope.mailFrom) : undefined;
      if (senderProblemText) {
        failed++;
        const where = source.sender ? 'the mbox From line' : 'the header';
        io.stderr.write(`letterbox import: ${source.origin}: sender ${quoted(envelope.mailFrom)} from ${where} is not an address: ${senderProblemText} (give --from)\n`);
        continue;
      }
      try {
        await client.submit(envelope, raw);
        imported++;
        sent += raw.length;
        progress.tick();
      } catch (error) {
        if (error instanceof SmtpCommandError) {
          // Nothing was sent for it: the session goes on.
          failed++;
          io.stderr.write(`letterbox import: ${source.origin}: ${error.message}\n`);
          continue;
        }
        if (!(error instanceof SmtpReplyError)) throw error;
        failed++;
        io.stderr.write(`letterbox import: ${source.origin}: refused: ${error.reply}\n`);
        if (error.code === 421) throw error;
      }
    }
  } catch (error) {
    progress.done();
    const where = error instanceof SourceError ? '' : ` (to ${args.smtpAddr.host}:${args.smtpAddr.port})`;
    io.stderr.write(`letterbox import: ${(error as Error).message}${where}\n`);
    io.stdout.write(`imported ${imported} message${imported === 1 ? '' : 's'}, ${failed} failed, stopped early\n`);
    return error instanceof SourceError ? EX.NOINPUT : EX.TEMPFAIL;
  } finally {
    await client?.close();
  }
  progress.done();
  io.stdout.write(`imported ${imported} message${imported === 1 ? '' : 's'}, ${failed} failed\n`);
  return failed > 0 ? EX.DATAERR : EX.OK;
};
