import { createServer, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { EX } from '../../server/cli/io.js';
import { mcpCommand } from '../../server/mcp/stdio-command.js';
import { runInProcess } from '../cli-tools/run-command.js';

/** `letterbox mcp` in this process, fed JSON-RPC lines by hand; answers are read line by line. */
function session(argv: string[]) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let errors = '';
  stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const status = mcpCommand(argv, { stdin, stdout, stderr, env: {} });
  const lines = createInterface({ input: stdout })[Symbol.asyncIterator]();
  return {
    status,
    errors: () => errors,
    send: (line: string) => stdin.write(line + '\n'),
    /** Writes bytes as they are, a chunk at a time. */
    write: (chunk: string | Buffer) => stdin.write(chunk),
    async next(): Promise<{ id?: number | null; result?: { content?: Array<{ text: string }>; isError?: boolean }; error?: { code: number; message: string } }> {
      const { value, done } = await lines.next();
      if (done) throw new Error('stdout ended');
      return JSON.parse(value as string);
    },
    end: () => stdin.end(),
  };
}

const request = (id: number, method: string, params: object) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

describe('letterbox mcp: arguments and robustness', () => {
  it('prints its usage, and refuses bad arguments with status 64', async () => {
    const help = await runInProcess(mcpCommand, ['--help']);
    expect(help.status).toBe(EX.OK);
    expect(help.stdout).toMatch(/^Usage: letterbox mcp \[--url URL\] \[--auth USER:PASSWORD\]/);
    const unknown = await runInProcess(mcpCommand, ['--verbose']);
    expect(unknown.status).toBe(EX.USAGE);
    expect(unknown.stderr).toMatch(/^letterbox mcp: unexpected argument --verbose/);
    expect((await runInProcess(mcpCommand, ['--url', 'not a url'])).stderr).toMatch(/--url: "not a url" is not a URL/);
    expect((await runInProcess(mcpCommand, ['--auth', 'nocolon'])).stderr).toMatch(/--auth must be USER:PASSWORD/);
  });

  it('answers a line that is not JSON-RPC with an error, says why a Letterbox cannot be reached, and ends with standard input', async () => {
    // A port just given up by a listener of this process: a connection to it is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const mcp = session(['--url', `http://127.0.0.1:${port}/`]);
    mcp.send('this is not json');
    mcp.send(request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'by-hand', version: '1' } }));
    // JSON-RPC 2.0 §5.1: -32700, with no id to answer to.
    expect(await mcp.next()).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: a line that is not JSON in UTF-8' }, id: null });
    expect((await mcp.next()).id).toBe(1);
    mcp.send(request(2, 'tools/call', { name: 'list_messages', arguments: {} }));
    const reply = await mcp.next();
    expect(reply.id).toBe(2);
    expect(reply.result?.isError).toBe(true);
    expect(reply.result?.content?.[0]?.text).toMatch(new RegExp(`^cannot reach Letterbox at http://127\\.0\\.0\\.1:${port}/: \\S`));
    mcp.end();
    expect(await mcp.status).toBe(EX.OK);
  });

  it('answers each line it refuses with -32600 and id null, reads a line sent a byte at a time, and goes on', async () => {
    const mcp = session(['--url', 'http://127.0.0.1:9/']);
    const refused = async (line: string | Buffer, message: string) => {
      if (typeof line === 'string') mcp.send(line);
      else mcp.write(Buffer.concat([line, Buffer.from('\n')]));
      expect(await mcp.next()).toEqual({ jsonrpc: '2.0', error: { code: -32600, message: `Invalid Request: ${message}` }, id: null });
    };
    await refused(`[${request(2, 'ping', {})},${request(2, 'ping', {})}]`, 'a batch; over stdio each line holds one message');
    await refused('{"jsonrpc":"2.0","id":3,"id":4,"method":"ping"}', 'the key "id" appears twice in one object');
    await refused('{"jsonrpc":"1.0","id":5,"method":"ping"}', 'the message needs "jsonrpc": "2.0"');
    await refused('{"jsonrpc":"2.0","id":null,"method":"ping"}', 'the message has an id that is not a string or an integer');
    await refused(`{"jsonrpc":"2.0","id":6,"method":"ping","params":{"pad":"${'x'.repeat(1024 * 1024)}"}}`, 'a message longer than 1048576 bytes');
    const bad = await (async () => {
      mcp.write(Buffer.from([0x7b, 0xff, 0x7d, 0x0a]));
      return mcp.next();
    })();
    expect(bad.error).toEqual({ code: -32700, message: 'Parse error: a line that is not JSON in UTF-8' });
    // A blank line is no message; a message a byte at a time is one.
    mcp.send('');
    for (const byte of Buffer.from(request(7, 'ping', {}) + '\r\n')) mcp.write(Buffer.from([byte]));
    expect(await mcp.next()).toEqual({ jsonrpc: '2.0', id: 7, result: {} });
    mcp.end();
    expect(await mcp.status).toBe(EX.OK);
    expect(mcp.errors()).not.toMatch(/invalid_union/);
  });
});
