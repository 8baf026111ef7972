import type { SMTPServer, SMTPServerSession } from 'smtp-server';

/**
 * The parts of smtp-server 3.21.x's connection and server objects that Letterbox
 * reaches into, declared in one place. smtp-server is pinned exactly in package.json;
 * test/smtp/greeting.test.ts, test/smtp/graceful-stop.test.ts and
 * test/smtp/strict-commands.test.ts fail if an upgrade moves any of them.
 */
export interface ConnectionInternals {
  /** Sets up the socket and, after smtp-server's fixed 100 ms early-talker wait, greets. */
  init(): void;
  /** Greets (220) and starts reading commands. */
  connectionReady(next?: () => void): void;
  /** Writes a reply; a 421 also closes the connection. */
  send(code: number, text: string, context?: string | false): void;
  /** Ends the socket after the replies written so far; destroys it after 5 s at most. */
  close(): void;
  _setListeners(callback: () => void): void;
  readonly name: string;
  /** The session id (session.id). */
  readonly id: string;
  /** The current socket: the TLS socket once STARTTLS has completed. */
  readonly _socket: import('node:net').Socket;
  readonly session: Partial<SMTPServerSession>;
  /** The DATA stream while a message is being received, else false or null. */
  readonly _dataStream: unknown;
  /** The command and DATA parser (a Writable the socket is piped into); false once closed. */
  readonly _parser: ParserInternals | false;
  /** Makes a parser: at the start, and again after STARTTLS. */
  _createParser(): ParserInternals;
  /** Takes one command line (no line end) from the parser; `next` reads the line after it. */
  _onCommand(command: Buffer, next?: () => void): void;
  /** Runs `next` now, or once the socket has drained what was written to it. */
  _whenWritable(next: () => void): void;
  /** True once greeted: a line before that is an early talker's (421). */
  readonly _ready: boolean;
  /** True while STARTTLS's handshake runs: lines read meanwhile are dropped unanswered. */
  readonly _upgrading: boolean;
  /** The handler of an AUTH exchange's next line (RFC 4954 §4), or false. */
  _nextHandler: unknown;
  /** Unrecognised commands so far; smtp-server closes the session at 10 (reset by each message). */
  _unrecognizedCommands: number;
  /** The MAIL and RCPT command handlers, looked up by name on the connection. */
  handler_MAIL(command: Buffer, done: () => void): void;
  handler_RCPT(command: Buffer, done: () => void): void;
}

export interface ParserInternals {
  /** Writable.write, which the socket's pipe calls with each chunk it reads. */
  write(chunk: Buffer, ...rest: unknown[]): boolean;
  /** Resumes reading commands after a message: runs the saved continuation, or notes that it may run. */
  continue(): void;
  /** The input after a message's final dot, waiting for continue(); true when continue() came first. */
  _continueCallback: (() => void) | boolean;
}

interface ServerInternals {
  connections: Set<ConnectionInternals>;
  /** Sockets not yet sessions (a TLS handshake under way), raw socket → topmost socket. */
  _pendingSockets: Map<import('node:net').Socket, import('node:net').Socket>;
  options: { maxClients?: number };
}

export function serverInternals(smtp: SMTPServer): ServerInternals {
  return smtp as unknown as ServerInternals;
}

/**
 * Shows `gate` each socket of an implicit-TLS listener as it is accepted, before
 * smtp-server wraps it in TLS; a socket the gate refuses (and has closed) goes no further.
 */
export function gateBeforeHandshake(smtp: SMTPServer, gate: (socket: import('node:net').Socket) => boolean): void {
  const internals = smtp as unknown as { _acceptSocket(socket: import('node:net').Socket, handshake: boolean): unknown };
  const accept = internals._acceptSocket.bind(smtp);
  internals._acceptSocket = (socket, handshake) => (handshake && !gate(socket) ? false : accept(socket, handshake));
}

/** Runs `setup` on each connection smtp-server accepts, before it is initialised. */
export function onEachConnection(smtp: SMTPServer, setup: (connection: ConnectionInternals) => void): void {
  const connections = serverInternals(smtp).connections;
  const add = connections.add.bind(connections);
  connections.add = (connection: ConnectionInternals) => {
    setup(connection);
    return add(connection);
  };
}

/** The parser's DATA-mode state, for server/smtp/data-framing.ts. */
export interface DataParserInternals extends ParserInternals {
  /** The message stream of the DATA in progress. */
  readonly _dataStream: import('node:stream').Writable;
  /** The last bytes of the previous chunk, held back in case a terminator spans chunks. */
  _lastBytes: Buffer | false;
  /** True until the first message byte is taken (a lone "." there ends an empty message). */
  _atDataStart: boolean;
  /** Reads one chunk of message data. */
  _feedDataStream(chunk: Buffer, done: () => void): void;
  /** Counts message bytes taken (for SIZE) and clears _atDataStart. */
  _countDataBytes(length: number): void;
  /** Ends the message with its last bytes; `remainder` is read once continue() is called. */
  _endDataMode(last: Buffer | false, remainder: Buffer, done: () => void): void;
}

/** Runs `adjust` on the connection's parser now and on each one it makes later (after STARTTLS). */
export function eachParser(connection: ConnectionInternals, adjust: (parser: ParserInternals) => void): void {
  if (connection._parser) adjust(connection._parser);
  const create = connection._createParser.bind(connection);
  connection._createParser = () => {
    const parser = create();
    adjust(parser);
    return parser;
  };
}

/** Shows `watch` every chunk of input the connection's parsers read (after TLS, once upgraded). */
export function watchInput(connection: ConnectionInternals, watch: (chunk: Buffer) => void): void {
  // write() is what the socket's pipe calls, once per chunk; the parser re-enters its own
  // _write with pieces of a chunk it already has (after DATA, on continue()).
  eachParser(connection, (parser) => {
    const write = parser.write.bind(parser);
    parser.write = (chunk: Buffer, ...rest: unknown[]) => {
      watch(chunk);
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    };
  });
}

/** True while the session is inside a mail transaction (after MAIL, through the DATA reply). */
export function inTransaction(connection: ConnectionInternals): boolean {
  return Boolean(connection._dataStream) || Boolean(connection.session.envelope?.mailFrom);
}
