import { createClient } from '../client/client.js';
import { commandArgs, commandOptions, EX, UsageError, type Command } from '../cli/io.js';
import { packageVersion } from '../lib/package-version.js';
import { CheckedStdioTransport } from './stdio-transport.js';
import { serveMcp } from './tools.js';

const USAGE = `Usage: letterbox mcp [--url URL] [--auth USER:PASSWORD]

Serves the Model Context Protocol on standard input and output, for an AI agent's MCP
client: tools to list, search, read and wait for the mail a running Letterbox caught,
extract its links and codes, tag, mark read, delete and release it. Standard output
carries only protocol messages.

  --url URL              The Letterbox web root (default http://127.0.0.1:8025/; env LETTERBOX_URL)
  --auth USER:PASSWORD   HTTP Basic credentials (env LETTERBOX_HTTP_AUTH)
`;

/** A longer MCP message is refused (-32600) and skipped: no tool takes anything near it. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

interface McpArgs {
  url: string;
  auth: { username: string; password: string } | undefined;
}

function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): McpArgs | 'help' {
  let url = env.LETTERBOX_URL || 'http://127.0.0.1:8025/';
  let auth = env.LETTERBOX_HTTP_AUTH || undefined;
  for (const option of commandOptions(argv)) {
    if (option.name === '--help' || option.name === '-h') {
      option.flag();
      return 'help';
    } else if (option.name === '--url') url = option.value();
    else if (option.name === '--auth') auth = option.value();
    else throw new UsageError(`unexpected argument ${option.arg}`);
  }
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url: "${url}" is not a URL`);
  }
  if (auth !== undefined && !auth.includes(':')) throw new UsageError('--auth must be USER:PASSWORD');
  const colon = auth?.indexOf(':') ?? -1;
  return { url, auth: auth === undefined ? undefined : { username: auth.slice(0, colon), password: auth.slice(colon + 1) } };
}

/** `letterbox mcp`: runs until the client closes standard input. */
export const mcpCommand: Command = async (argv, io) => {
  const read = commandArgs('mcp', USAGE, parseArgs, argv, io);
  if (!read.ok) return read.exit;
  const { url, auth } = read.args;
  const client = createClient(url, auth ? { auth } : {});
  const transport = new CheckedStdioTransport(io.stdin, io.stdout, MAX_MESSAGE_BYTES);
  transport.onerror = (error) => io.stderr.write(`letterbox mcp: ${error.message}\n`);
  const ended = new Promise<void>((resolve) => {
    io.stdin.once('end', resolve);
    io.stdin.once('close', resolve);
    transport.onclose = resolve;
  });
  const server = await serveMcp(client, packageVersion(), transport);
  io.stderr.write(`letterbox mcp: serving the Letterbox at ${client.baseUrl} over stdio\n`);
  await ended;
  await server.close();
  return EX.OK;
};
