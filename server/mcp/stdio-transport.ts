import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LineReader } from '../lib/line-reader.js';
import { parseStrictJson } from '../lib/strict-json.js';
import { invalidRequest, type ErrorAnswer } from './jsonrpc.js';

/**
 * MCP over stdio (2025-06-18, basic/transports): one JSON-RPC message a line, each
 * read as the HTTP endpoint reads a body (strict UTF-8 and JSON, no repeated key, the
 * envelope checked by jsonrpc.ts). What is refused is answered on standard output with
 * id null, JSON-RPC 2.0 §5.1, not only reported: a client whose request vanished would
 * wait for ever. Not JSON is -32700; anything else wrong, a batch (a line holds one
 * message on stdio) or a line past `maxBytes`, is -32600, and the session goes on.
 */
export class CheckedStdioTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #maxBytes: number;
  /** Lines are framed as bytes arrive, and one too long is refused as it grows past the cap. */
  readonly #lines: LineReader;

  constructor(stdin: Readable, stdout: Writable, maxBytes: number) {
    this.#stdin = stdin;
    this.#stdout = stdout;
    this.#maxBytes = maxBytes;
    this.#lines = new LineReader(maxBytes);
  }

  async start(): Promise<void> {
    this.#stdin.on('data', this.#data);
    this.#stdin.on('error', this.#error);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stdout.write(JSON.stringify(message) + '\n')) resolve();
      else this.#stdout.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    this.#stdin.off('data', this.#data);
    this.#stdin.off('error', this.#error);
    this.#lines.clear();
    this.onclose?.();
  }

  readonly #error = (error: Error) => this.onerror?.(error);

  readonly #data = (chunk: Buffer) => {
    this.#lines.push(chunk);
    for (let event = this.#lines.next(); event; event = this.#lines.next()) {
      if (event.kind === 'too-long') this.#refuse(ErrorCode.InvalidRequest, `Invalid Request: a message longer than ${this.#maxBytes} bytes`);
      else this.#line(event.line);
    }
  };

  #line(bytes: Buffer): void {
    const json = parseStrictJson(bytes);
    // A blank line between messages carries none.
    if (json.ok && json.empty) return;
    if (!json.ok) {
      if (json.wrong === 'repeated-key') this.#refuse(ErrorCode.InvalidRequest, `Invalid Request: the key ${JSON.stringify(json.key)} appears twice in one object`);
      else this.#refuse(ErrorCode.ParseError, 'Parse error: a line that is not JSON in UTF-8');
      return;
    }
    if (Array.isArray(json.value)) return this.#refuse(ErrorCode.InvalidRequest, 'Invalid Request: a batch; over stdio each line holds one message');
    const refused = invalidRequest(json.value);
    if (refused) return this.#answer(refused);
    this.onmessage?.(json.value as JSONRPCMessage);
  }

  #refuse(code: number, message: string): void {
    this.#answer({ jsonrpc: '2.0', error: { code, message }, id: null });
  }

  #answer(answer: ErrorAnswer): void {
    this.send(answer as unknown as JSONRPCMessage).catch((error: Error) => this.onerror?.(error));
  }
}
