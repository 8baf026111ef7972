import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ARCHIVE_FORMATS, ARCHIVE_TYPES, type ArchiveFormat } from '../transfer/archive.js';
import { commandArgs, commandOptions, EX, UsageError, type Command } from './io.js';
import { bytes, progressLine } from './progress.js';

const USAGE = `Usage: letterbox export [options]

Saves the messages of a running Letterbox (GET /api/v1/export), oldest first, as an
mbox or a zip of .eml files, with every message's bytes exactly as stored. On a
terminal a progress line shows the bytes written and the rate.

  --url URL              The Letterbox web root (default http://127.0.0.1:8025/; env LETTERBOX_URL)
  --format mbox|zip      Archive format (default: from the output name, else mbox)
  --query SEARCH         Only messages this search finds (same syntax as the web inbox)
  -o, --output FILE      Where to write ("-" = standard output; default letterbox-export.<format>)
  --auth USER:PASSWORD   HTTP Basic credentials (env LETTERBOX_HTTP_AUTH)

Only the archive asked for is saved: an answer of another type (a web page at a
--url that is not Letterbox) writes nothing and exits 69, as an unreachable server does.
`;

interface ExportArgs {
  url: string;
  format: ArchiveFormat;
  query: string;
  output: string;
  auth: string | undefined;
}

function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ExportArgs | 'help' {
  let url = env.LETTERBOX_URL || 'http://127.0.0.1:8025/';
  let format: ArchiveFormat | undefined;
  let query = '';
  let output: string | undefined;
  let auth = env.LETTERBOX_HTTP_AUTH || undefined;
  for (const { arg, name, value, flag } of commandOptions(argv)) {
    if (name === '--help' || name === '-h') return flag() && 'help';
    else if (name === '--url') url = value();
    else if (name === '--format') {
      const f = value();
      if (!(ARCHIVE_FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format must be ${ARCHIVE_FORMATS.join(' or ')}`);
      format = f as ArchiveFormat;
    } else if (name === '--query') query = value();
    else if (name === '-o' || name === '--output') output = value();
    else if (name === '--auth') auth = value();
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  format ??= output?.toLowerCase().endsWith('.zip') ? 'zip' : 'mbox';
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url: "${url}" is not a URL`);
  }
  return { url: url.endsWith('/') ? url : url + '/', format, query, output: output ?? `letterbox-export.${format}`, auth };
}

export const exportCommand: Command = async (argv, io) => {
  const read = commandArgs('export', USAGE, parseArgs, argv, io);
  if (!read.ok) return read.exit;
  const { args } = read;
  const target = new URL('api/v1/export', args.url);
  target.searchParams.set('format', args.format);
  if (args.query) target.searchParams.set('query', args.query);
  const headers: Record<string, string> = {};
  if (args.auth) headers.authorization = 'Basic ' + Buffer.from(args.auth).toString('base64');
  let response: Response;
  try {
    response = await fetch(target, { headers });
  } catch (error) {
    io.stderr.write(`letterbox export: cannot reach ${args.url}: ${(error as Error).message}\n`);
    return EX.UNAVAILABLE;
  }
  if (!response.ok || !response.body) {
    io.stderr.write(`letterbox export: ${target.pathname}: HTTP ${response.status}: ${(await response.text()).trim().slice(0, 300)}\n`);
    return EX.UNAVAILABLE;
  }
  // Any web server answers 200 to a GET: only the archive asked for is saved (an HTML
  // page at the wrong --url, a proxy's sign-in form are not an mbox).
  const type = response.headers.get('content-type');
  if (mediaType(type) !== ARCHIVE_TYPES[args.format]) {
    await response.body.cancel().catch(() => undefined);
    const got = type === null ? 'no Content-Type' : `Content-Type ${JSON.stringify(type.slice(0, 100))}`;
    io.stderr.write(`letterbox export: ${target.origin}${target.pathname} answered with ${got}, not ${ARCHIVE_TYPES[args.format]}: is ${args.url} a Letterbox web root? Nothing was written.\n`);
    return EX.UNAVAILABLE;
  }
  const count = response.headers.get('x-letterbox-messages');
  let received = 0;
  const progress = progressLine(io.stderr, (seconds) => `exporting ${count ?? 'the'} messages: ${bytes(received)}, ${bytes(received / seconds)}/s`);
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    progress.tick();
  });
  body.once('close', () => progress.done());
  if (args.output === '-') {
    await pipeline(body, io.stdout, { end: false });
    return EX.OK;
  }
  // Written beside the target and renamed at the end, so a failed export leaves no half file.
  const partial = `${args.output}.partial`;
  try {
    await pipeline(body, createWriteStream(partial));
    await rename(partial, args.output);
  } catch (error) {
    await rm(partial, { force: true });
    io.stderr.write(`letterbox export: writing ${args.output}: ${(error as Error).message}\n`);
    return EX.CANTCREAT;
  }
  io.stdout.write(`exported ${count ?? 'the'} message${count === '1' ? '' : 's'} to ${args.output}\n`);
  return EX.OK;
};

/** `type/subtype` of a Content-Type, lower case, without parameters. */
function mediaType(header: string | null): string | undefined {
  return header?.split(';')[0]?.trim().toLowerCase();
}
