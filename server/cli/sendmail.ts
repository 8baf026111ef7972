import { hostname, userInfo } from 'node:os';
import { parseHostPort, type HostPort } from '../lib/host-port.js';
import { envelopeFromHeader } from '../transfer/envelope.js';
import { bareLfToCrlf } from '../transfer/line-endings.js';
import { addressProblem, firstBadAddress, quoted, senderProblem } from './addresses.js';
import { commandArgs, EX, noValue, readAll, splitLongOption, UsageError, type Command, type CommandIo } from './io.js';
import { relaySmtpSession } from './sendmail-smtp-session.js';
import { SmtpClient, SmtpCommandError, SmtpReplyError } from './smtp-client.js';
import { completeSubmission } from './submission-headers.js';

const USAGE = `Usage: letterbox sendmail [options] [recipient ...] < message

Delivers one message from standard input to a Letterbox over SMTP, as sendmail does
for PHP mail(), cron and other local senders.

  -t                 Take recipients from the To, Cc and Bcc headers (added to any given);
                     the Bcc header itself is not sent
  -f SENDER          Envelope sender (default: the From header, else user@host);
                     -f '' or -f '<>' is the null sender
  -i, -oi            A line with a single "." does not end the message
  -bs                Speak SMTP on standard input and output (relayed to Letterbox)
  -S, --smtp-addr HOST:PORT
                     Where Letterbox listens (default 127.0.0.1:1025; env LETTERBOX_SMTP_ADDR)
  --auth USER:PASSWORD
                     SMTP AUTH PLAIN credentials (env LETTERBOX_SMTP_AUTH)
  Letters cluster as in sendmail (-ti). Other sendmail options (-F, -o*, -B, -v,
  -bm, ...) are accepted and ignored.

Lines ending in a bare LF are sent with CRLF, as SMTP requires (RFC 5321 §2.3.8).
A message without Date or Message-ID gets them, as from any sendmail.
Every address (given, or read from the header) must be a plain mailbox such as
bob@example.com: one that is not, or holds a control character, is refused.
Exit status follows sysexits.h: 0 sent, 64 usage, 65 bad message, 69/75 server refused.
`;

export interface SendmailArgs {
  headerRecipients: boolean;
  sender: string | undefined;
  dotEnds: boolean;
  /** -bs: the caller speaks SMTP itself on standard input and output. */
  smtpOnStdio: boolean;
  smtpAddr: HostPort;
  auth: { username: string; password: string } | undefined;
  recipients: string[];
  help: boolean;
}

/**
 * Letters that take a value, attached (`-fapp@red.com`) or as the next argument
 * (`-f app@red.com`): Postfix's sendmail option list, plus Letterbox's -S.
 */
const TAKES_VALUE = new Set('ABCFLNORSVXbdefhopqr');
/** Letters without a value. Only -t and -i change anything here. */
const FLAGS = new Set('GIUcimntvx');

/**
 * sendmail's own option syntax, as getopt reads it: letters cluster (`-ti`), and a
 * letter that takes a value takes the rest of its cluster or the next argument.
 */
export function parseSendmailArgs(argv: readonly string[], env: CommandIo['env']): SendmailArgs {
  const args: SendmailArgs = {
    headerRecipients: false,
    sender: undefined,
    dotEnds: true,
    smtpOnStdio: false,
    smtpAddr: parseAddr(env.LETTERBOX_SMTP_ADDR || '127.0.0.1:1025'),
    auth: env.LETTERBOX_SMTP_AUTH ? parseAuth(env.LETTERBOX_SMTP_AUTH) : undefined,
    recipients: [],
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = (name: string) => {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      return value;
    };
    if (arg === '--') {
      args.recipients.push(...argv.slice(i + 1));
      break;
    }
    const { name, inline } = splitLongOption(arg);
    if (name === '--help' || arg === '-h') {
      noValue(name, inline);
      args.help = true;
    } else if (name === '--smtp-addr') args.smtpAddr = parseAddr(inline ?? next(arg));
    else if (name === '--auth') args.auth = parseAuth(inline ?? next(arg));
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${name}`);
    else if (!arg.startsWith('-') || arg === '-') args.recipients.push(arg);
    else {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        if (TAKES_VALUE.has(letter)) {
          applyValue(args, letter, arg.slice(j + 1) || next(`-${letter}`));
          break;
        }
        if (!FLAGS.has(letter)) throw new UsageError(`unknown option -${letter}`);
        if (letter === 't') args.headerRecipients = true;
        if (letter === 'i') args.dotEnds = false;
      }
    }
  }
  if (args.help) return args;
  for (const recipient of args.recipients) {
    const problem = addressProblem(recipient);
    if (problem) throw new UsageError(`recipient ${quoted(recipient)} is not an address: ${problem}`);
  }
  if (args.sender !== undefined) {
    const problem = senderProblem(args.sender);
    if (problem) throw new UsageError(`-f ${quoted(args.sender)} is not an address: ${problem}`);
  }
  return args;
}

/** The options with a value that mean something here; the rest (-F full name, -odi, -B8BITMIME, …) are accepted and ignored. */
function applyValue(args: SendmailArgs, letter: string, value: string): void {
  // sendmail's spelling of the null sender is `<>`.
  if (letter === 'f' || letter === 'r') args.sender = value === '<>' ? '' : value;
  else if (letter === 'S') args.smtpAddr = parseAddr(value);
  // -oi is the old spelling of -i.
  else if (letter === 'o' && value === 'i') args.dotEnds = false;
  else if (letter === 'b') {
    if (value === 's') args.smtpOnStdio = true;
    else if (value !== 'm') throw new UsageError(`-b${value} is not supported (only -bm, the default, and -bs)`);
  }
}

function parseAddr(text: string): HostPort {
  try {
    return parseHostPort(text, '127.0.0.1');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parseAuth(text: string): { username: string; password: string } {
  const colon = text.indexOf(':');
  if (colon < 0) throw new UsageError('--auth expects USER:PASSWORD');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Without -i, a line holding only "." ends the input (traditional sendmail); what follows is ignored. */
export function cutAtDotLine(input: Buffer): Buffer {
  const match = /(^|\n)\.\r?(\n|$)/.exec(input.toString('latin1'));
  return match ? input.subarray(0, match.index + (match[1] ?? '').length) : input;
}

export const sendmail: Command = async (argv, io) => {
  const read = commandArgs('sendmail', USAGE, (a, env) => {
    const parsed = parseSendmailArgs(a, env);
    return parsed.help ? 'help' : parsed;
  }, argv, io);
  if (!read.ok) return read.exit;
  const { args } = read;
  if (args.smtpOnStdio) return relaySmtpSession(args.smtpAddr, io);
  let raw = await readAll(io.stdin);
  if (args.dotEnds) raw = cutAtDotLine(raw);
  raw = bareLfToCrlf(raw);
  const fromMessage = envelopeFromHeader(raw);
  if (!fromMessage.ok) {
    io.stderr.write(`letterbox sendmail: ${fromMessage.error}\n`);
    return EX.DATAERR;
  }
  const fromHeader = fromMessage.envelope;
  // What the header gives is checked as the arguments are: the message is at fault, so EX_DATAERR.
  const badRecipient = args.headerRecipients ? firstBadAddress(fromHeader.rcptTo) : undefined;
  if (badRecipient) {
    io.stderr.write(`letterbox sendmail: the header names recipient ${quoted(badRecipient.address)}, which is not an address: ${badRecipient.problem}\n`);
    return EX.DATAERR;
  }
  const senderFromHeader = args.sender === undefined ? senderProblem(fromHeader.mailFrom) : undefined;
  if (senderFromHeader) {
    io.stderr.write(`letterbox sendmail: the header gives sender ${quoted(fromHeader.mailFrom)}, which is not an address: ${senderFromHeader} (give -f)\n`);
    return EX.DATAERR;
  }
  const rcptTo = [...args.recipients, ...(args.headerRecipients ? fromHeader.rcptTo : [])];
  const seen = new Set<string>();
  const unique = rcptTo.filter((r) => !seen.has(r.toLowerCase()) && seen.add(r.toLowerCase()));
  if (unique.length === 0) {
    io.stderr.write(`letterbox sendmail: no recipients (give them as arguments, or use -t to read To, Cc and Bcc)\n`);
    return EX.USAGE;
  }
  const mailFrom = args.sender ?? (fromHeader.mailFrom || defaultSender());
  raw = completeSubmission(raw, { dropBcc: args.headerRecipients, now: new Date(), hostname: hostname() || 'localhost' });
  let client: SmtpClient | undefined;
  try {
    client = await SmtpClient.open({ ...args.smtpAddr, helo: hostname() || 'localhost', auth: args.auth, timeoutMs: 60_000 });
    const result = await client.submit({ mailFrom, rcptTo: unique }, raw);
    for (const { address, reply } of result.rejected) io.stderr.write(`letterbox sendmail: ${address} refused: ${reply}\n`);
    return result.rejected.length > 0 ? EX.UNAVAILABLE : EX.OK;
  } catch (error) {
    if (error instanceof SmtpCommandError) {
      io.stderr.write(`letterbox sendmail: ${error.message}\n`);
      return EX.DATAERR;
    }
    if (error instanceof SmtpReplyError) {
      io.stderr.write(`letterbox sendmail: ${error.message}\n`);
      return error.transient ? EX.TEMPFAIL : EX.UNAVAILABLE;
    }
    io.stderr.write(`letterbox sendmail: cannot deliver to ${args.smtpAddr.host}:${args.smtpAddr.port}: ${(error as Error).message}\n`);
    return EX.TEMPFAIL;
  } finally {
    await client?.close();
  }
};

function defaultSender(): string {
  let user = 'nobody';
  try {
    user = userInfo().username || user;
  } catch {
    // No passwd entry (a container running as an unnamed uid).
  }
  return `${user}@${hostname() || 'localhost'}`;
}
