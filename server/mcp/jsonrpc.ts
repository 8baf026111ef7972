import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  InitializeRequestSchema,
  isJSONRPCRequest,
  JSONRPCMessageSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * The JSON-RPC 2.0 rules the SDK gets wrong, in one place: what a well-formed body must
 * be (checked before the SDK sees it, which calls every refusal a -32700 Parse error and
 * runs a batch whose requests share an id), and what each method's params must be (the
 * SDK answers a bad one with -32603 Internal error and a raw dump of the schema's issues).
 */

/** The SDK's own ceiling on a batch (MAX_BATCH_SIZE in its server/requestBody.js). */
const MAX_BATCH = 100;

export interface ErrorAnswer {
  jsonrpc: '2.0';
  error: { code: number; message: string };
  id: null;
}

/**
 * Why a parsed body is not a JSON-RPC message or batch the server may run, as the
 * -32600 Invalid Request answer (JSON-RPC 2.0 §5.1, with id null: §5), or undefined
 * when it is fine. A batch with one bad element is refused whole and nothing in it
 * runs: §6 would have each element answered on its own, but refusing all is simpler
 * and never leaves a batch half done.
 */
export function invalidRequest(body: unknown): ErrorAnswer | undefined {
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  // §6: "an Array with at least one value"; an empty one is answered with one error.
  if (items.length === 0) return refusal('the batch is empty');
  if (items.length > MAX_BATCH) return refusal(`a batch holds at most ${MAX_BATCH} messages`);
  const ids = new Set<unknown>();
  for (const [i, item] of items.entries()) {
    const which = batch ? `message ${i + 1} of the batch` : 'the message';
    const why = notAMessage(item);
    if (why) return refusal(`${which} ${why}`);
    const { id, method } = item as { id?: unknown; method?: unknown };
    if (method === undefined || id === undefined) continue;
    // Answers are matched to requests by id (§6): two requests with one id cannot both be answered.
    if (ids.has(id)) return refusal(`${which} repeats the id ${JSON.stringify(id)}: each request in a batch needs its own`);
    ids.add(id);
  }
  return undefined;
}

/** Members a request or notification (§4) and a response (§5) may have. */
const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const RESPONSE_KEYS = new Set(['jsonrpc', 'id', 'result', 'error']);

function notAMessage(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== '2.0') return 'needs "jsonrpc": "2.0"';
  // MCP narrows §4: an id is a string or an integer, never null (basic/index, Requests).
  if ('id' in message && typeof message.id !== 'string' && !Number.isSafeInteger(message.id)) return 'has an id that is not a string or an integer';
  if ('method' in message && typeof message.method !== 'string') return 'has a method that is not a string';
  // MCP params are always an object (§4.2 would allow an array too).
  if ('params' in message && (typeof message.params !== 'object' || message.params === null || Array.isArray(message.params))) return 'has params that are not an object';
  const extra = Object.keys(message).find((key) => !('method' in message ? REQUEST_KEYS : RESPONSE_KEYS).has(key));
  if (extra !== undefined) return `has an unknown member ${JSON.stringify(extra)}`;
  // Whatever else the SDK would refuse (a response without result or error, a malformed _meta…).
  if (!JSONRPCMessageSchema.safeParse(message).success) return 'is not a JSON-RPC request, notification or response';
  return undefined;
}

function refusal(why: string): ErrorAnswer {
  return { jsonrpc: '2.0', error: { code: ErrorCode.InvalidRequest, message: `Invalid Request: ${why}` }, id: null };
}

/** The params each method this server answers must have; the SDK answers any other method -32601. */
const PARAMS: Readonly<Record<string, typeof PingRequestSchema | typeof InitializeRequestSchema | typeof ListToolsRequestSchema | typeof CallToolRequestSchema>> = {
  initialize: InitializeRequestSchema,
  ping: PingRequestSchema,
  'tools/list': ListToolsRequestSchema,
  'tools/call': CallToolRequestSchema,
};

/**
 * `inner` as the MCP server should be connected to it: a request whose params are not
 * what its method takes, or that calls a tool not in `tools`, is answered -32602 Invalid
 * params (JSON-RPC 2.0 §5.1; for an unknown tool, MCP's tools spec, Error Handling) here
 * and never reaches the server. Both transports go through this, so they answer alike.
 */
export function checkingParams(inner: Transport, tools: ReadonlySet<string>): Transport {
  const outer: Transport = {
    start: () => inner.start(),
    send: (message, options) => inner.send(message, options),
    close: () => inner.close(),
    get sessionId() {
      return inner.sessionId;
    },
  };
  const { onclose, onerror } = inner;
  inner.onclose = () => {
    onclose?.();
    outer.onclose?.();
  };
  inner.onerror = (error) => {
    onerror?.(error);
    outer.onerror?.(error);
  };
  inner.onmessage = (message, extra) => {
    const why = isJSONRPCRequest(message) ? badParams(message, tools) : undefined;
    if (why === undefined) return outer.onmessage?.(message, extra);
    const id = (message as JSONRPCRequest).id;
    inner.send({ jsonrpc: '2.0', id, error: { code: ErrorCode.InvalidParams, message: why } }).catch((error: Error) => inner.onerror?.(error));
  };
  return outer;
}

function badParams(request: JSONRPCRequest, tools: ReadonlySet<string>): string | undefined {
  const schema = Object.hasOwn(PARAMS, request.method) ? PARAMS[request.method] : undefined;
  const parsed = schema?.safeParse(request);
  if (parsed && !parsed.success) {
    // The first issue, said in a line: where it is and what was wrong.
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'params';
    return `Invalid params for ${request.method}: ${where}: ${issue?.message ?? 'not accepted'}`;
  }
  const name = request.method === 'tools/call' ? request.params?.name : undefined;
  if (typeof name === 'string' && !tools.has(name)) return `Invalid params for tools/call: no tool is named ${JSON.stringify(name)} (tools/list names them)`;
  return undefined;
}
