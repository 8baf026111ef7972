/**
 * SMTP transactions to a host (RFC 5321 §3, §4), each with a full transcript. It
 * never throws for anything the network or the server does: every outcome is a
 * value, per recipient. Connections can be kept open between transactions and the
 * envelope pipelined (RFC 2920), as MTAs do, so a busy release costs one round trip
 * per message instead of six.
 */
import { isAscii } from 'node:buffer';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { dataForWire, ReplyReader, WireFailure, type Reply } from './smtp-wire.js';
import { BoundedTranscript, clipLine } from './transcript.js';

export interface SmtpTimeouts {
  connect: number;
  greeting: number;
  command: number;
  data: number;
}

export interface SmtpTarget {
  /** Address to connect to (an IP, or a name the system resolves). */
  host: string;
  port: number;
  /** Name for TLS SNI and certificate checks. */
  servername: string;
  /**
   * `implicit`: TLS from the first byte (RFC 8314). `required`: STARTTLS or fail.
   * `opportunistic`: STARTTLS when offered (RFC 3207), plain otherwise.
   */
  tls: 'implicit' | 'required' | 'opportunistic';
  /** Check the server's certificate; off for opportunistic MX delivery (RFC 7435). */
  verifyCertificate: boolean;
  auth?: { user: string; password: string } | undefined;
}

export interface SmtpTransaction {
  target: SmtpTarget;
  /** Our name in EHLO. */
  helo: string;
  /** MAIL FROM; '' is the null reverse-path. */
  mailFrom: string;
  rcptTo: string[];
  data: Buffer;
  timeouts: SmtpTimeouts;
  /**
   * Whether the address and port a connection reached is this very instance (RFC 5321
   * §5.1: never send to yourself). Asked of the connected socket, before a byte is
   * read or sent: whatever name the target has and however it resolved, that is
   * where the mail would go.
   */
  isSelf?: ((address: string, port: number) => boolean) | undefined;
}

export type RecipientStatus = 'delivered' | 'temporary' | 'permanent';

export interface RecipientOutcome {
  address: string;
  status: RecipientStatus;
  /** The reply that decided it (`250 2.0.0 Ok`, `550 5.1.1 No such user`, or what went wrong). */
  reply: string;
}

export interface TransactionResult {
  recipients: RecipientOutcome[];
  /**
   * True when this host never gave a verdict on the recipients (could not connect,
   * dropped, timed out, 421, 4xx before RCPT): the next MX host should be tried.
   */
  tryNextHost: boolean;
  /** Whether the session ran over TLS. */
  tls: boolean;
  /**
   * `S: 220 …` / `C: EHLO …` lines; passwords masked, message data summarised. Bounded
   * (transcript.ts): each line clipped, the beginning and end of a long session kept.
   */
  transcript: string[];
}

/** Sends transactions; injected so tests and the story can observe or replace it. */
export interface SmtpClient {
  send(transaction: SmtpTransaction): Promise<TransactionResult>;
  /** QUITs the connections kept open. */
  close(): Promise<void>;
}

export interface SmtpClientOptions {
  /** How long a connection is kept open for the next transaction; 0 = QUIT after each. */
  keepAliveMs: number;
  /** Most idle connections kept per destination. */
  maxIdlePerTarget: number;
}

/** A failure that ends the session with a status for every undecided recipient. */
class SessionEnd {
  constructor(
    readonly status: 'temporary' | 'permanent',
    readonly reply: string,
    readonly tryNextHost: boolean,
  ) {}
}

function statusOf(code: number): RecipientStatus {
  return code >= 200 && code < 300 ? 'delivered' : code >= 500 ? 'permanent' : 'temporary';
}

/**
 * The last line of defence against command injection: a command holding CR or LF
 * would end early and start another (RFC 5321 §2.3.8), NUL has no place in one
 * either. Such a command is never written; the session ends instead.
 */
const BREAKS_A_LINE = /[\r\n\0]/;

function refuseBrokenLines(lines: readonly string[]): void {
  if (lines.some((line) => BREAKS_A_LINE.test(line))) throw new SessionEnd('permanent', 'a command holding CR, LF or NUL was not sent', false);
}

/** A reply as recorded for a recipient: its lines joined, clipped (a multiline reply can hold 400 KB). */
const replyLine = (reply: Reply) => clipLine(`${reply.code} ${reply.text}`);
const endFor = (reply: Reply, tryNextHost: boolean) => new SessionEnd(statusOf(reply.code) === 'permanent' ? 'permanent' : 'temporary', replyLine(reply), tryNextHost);

/** One open SMTP connection, past EHLO (and STARTTLS and AUTH when asked). */
class Connection {
  readonly reader = new ReplyReader();
  socket: Socket | undefined;
  tls = false;
  capabilities = new Map<string, string>();
  /** Where transcript lines go: the transaction using the connection now. */
  transcript = new BoundedTranscript();
  idleTimer: NodeJS.Timeout | undefined;

  constructor(readonly key: string) {}

  use(socket: Socket): void {
    this.socket = socket;
    socket.on('error', () => undefined); // reported through the reader
    this.reader.attach(socket);
  }

  write(bytes: Buffer | string): void {
    this.socket?.write(bytes);
  }

  send(line: string, shown = line): void {
    refuseBrokenLines([line]);
    this.transcript.push(`C: ${shown}`);
    this.write(line + '\r\n');
  }

  /** Several commands in one write (RFC 2920 §3.1: a pipelined group). */
  sendGroup(lines: string[]): void {
    refuseBrokenLines(lines);
    for (const line of lines) this.transcript.push(`C: ${line}`);
    this.write(lines.join('\r\n') + '\r\n');
  }

  async read(timeout: number, what: string): Promise<Reply> {
    let reply: Reply;
    try {
      reply = await this.reader.read(timeout, what);
    } catch (error) {
      // What the server did say of a reply that broke the protocol (mixed codes, too long).
      if (error instanceof WireFailure) for (const line of error.lines) this.transcript.push(`S: ${line}`);
      throw error;
    }
    for (const line of reply.lines) this.transcript.push(`S: ${line}`);
    return reply;
  }

  async command(line: string, timeout: number, shown = line): Promise<Reply> {
    this.send(line, shown);
    const reply = await this.read(timeout, shown.split(' ')[0] ?? shown);
    // RFC 5321 §3.8: 421 means the server is closing; nothing more will be said.
    if (reply.code === 421) throw new SessionEnd('temporary', replyLine(reply), true);
    return reply;
  }

  /** Usable for another transaction: open, and the server has not said anything out of turn. */
  get reusable(): boolean {
    return this.socket !== undefined && !this.socket.destroyed && this.socket.writable && !this.reader.pending && !this.reader.failed;
  }

  destroy(): void {
    clearTimeout(this.idleTimer);
    this.reader.detach();
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** QUIT politely; whatever the reply, the connection is closed after. */
  async quit(timeout: number): Promise<void> {
    // The 221 is awaited now (a kept connection was idle, when any byte is out of turn).
    this.reader.idle(false);
    try {
      if (this.reusable) await this.command('QUIT', Math.min(timeout, 5_000));
    } catch {
      // already decided
    } finally {
      this.destroy();
    }
  }
}

function targetKey(t: SmtpTransaction): string {
  const { target } = t;
  return [target.host, target.port, target.servername, target.tls, target.verifyCertificate, target.auth?.user ?? '', target.auth?.password ?? '', t.helo].join('\0');
}

export function createSmtpClient(options: SmtpClientOptions): SmtpClient {
  const idle = new Map<string, Connection[]>();
  /** Connections in a transaction now, closed by close() so stopping never waits on a slow server. */
  const active = new Set<Connection>();
  let closed = false;

  const park = (connection: Connection, timeouts: SmtpTimeouts): Promise<void> | void => {
    const list = idle.get(connection.key) ?? [];
    if (closed || options.keepAliveMs <= 0 || list.length >= options.maxIdlePerTarget || !connection.reusable) return connection.quit(timeouts.command);
    connection.transcript = new BoundedTranscript();
    connection.reader.idle(true);
    connection.socket?.unref();
    connection.idleTimer = setTimeout(() => {
      const at = list.indexOf(connection);
      if (at >= 0) list.splice(at, 1);
      void connection.quit(timeouts.command);
    }, options.keepAliveMs);
    connection.idleTimer.unref();
    list.push(connection);
    idle.set(connection.key, list);
  };

  const take = (key: string): Connection | undefined => {
    const list = idle.get(key);
    while (list && list.length > 0) {
      const connection = list.pop() as Connection;
      clearTimeout(connection.idleTimer);
      connection.reader.idle(false);
      if (connection.reusable) {
        connection.socket?.ref();
        return connection;
      }
      connection.destroy();
    }
    return undefined;
  };

  return {
    async send(t) {
      const transcript = new BoundedTranscript();
      const decided = new Map<string, RecipientOutcome>();
      let connection = take(targetKey(t));
      if (connection) active.add(connection);
      let end: SessionEnd | undefined;
      let clean = false;
      if (connection) {
        connection.transcript = transcript;
        transcript.push(`-- reusing the open connection to ${t.target.host}:${t.target.port}${connection.tls ? ' (TLS)' : ''}`);
        const outcome = await attempt(() => transaction(connection as Connection, t, decided, true));
        if (outcome === 'stale') {
          // The server closed the kept connection before answering; nothing was delivered.
          transcript.push('-- the kept connection had been closed by the server; connecting again');
          connection.destroy();
          active.delete(connection);
          connection = undefined;
          decided.clear();
        } else ({ end, clean } = outcome);
      }
      if (!connection) {
        connection = new Connection(targetKey(t));
        active.add(connection);
        connection.transcript = transcript;
        const opened = await attempt(async () => {
          await open(connection as Connection, t);
          return transaction(connection as Connection, t, decided, false);
        });
        // A fresh connection is never 'stale'; its failures are SessionEnds.
        if (opened !== 'stale') ({ end, clean } = opened);
      }
      if (end) transcript.push(`!! ${end.reply}`);
      active.delete(connection);
      if (clean && !end) await park(connection, t.timeouts);
      else if (end) connection.destroy();
      else await connection.quit(t.timeouts.command);
      const recipients = t.rcptTo.map((address) => decided.get(address) ?? { address, status: end?.status ?? 'temporary', reply: end?.reply ?? 'no reply' });
      return { recipients, tryNextHost: end?.tryNextHost ?? false, tls: connection.tls, transcript: transcript.lines() };
    },
    async close() {
      closed = true;
      const all = [...idle.values()].flat();
      idle.clear();
      for (const connection of active) connection.destroy();
      active.clear();
      await Promise.all(all.map((c) => c.quit(1_000)));
    },
  };
}

type Attempted = { end: SessionEnd | undefined; clean: boolean } | 'stale';

/** Runs a step, turning what the network or server did into a SessionEnd. */
async function attempt(step: () => Promise<Attempted>): Promise<Attempted> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof SessionEnd) return { end: error, clean: false };
    if (error instanceof WireFailure) return { end: new SessionEnd('temporary', error.message, true), clean: false };
    return { end: new SessionEnd('temporary', error instanceof Error ? error.message : String(error), true), clean: false };
  }
}

/** Connect, greeting, EHLO, STARTTLS and AUTH as the target asks. Throws SessionEnd or WireFailure. */
async function open(connection: Connection, t: SmtpTransaction): Promise<void> {
  const { target, timeouts } = t;
  connection.transcript.push(`-- connecting to ${target.host}:${target.port}${target.tls === 'implicit' ? ' (TLS)' : ''}`);
  const socket = await connectSocket(t);
  connection.use(socket);
  if (target.tls === 'implicit') connection.tls = true;
  // Checked on the connected socket rather than on the target's name: a smarthost given
  // as `localhost` or any name of this host (resolved by the system, not --dns-server)
  // is caught exactly, with no second lookup that could answer differently.
  const { remoteAddress, remotePort } = socket;
  if (t.isSelf && remoteAddress !== undefined && remotePort !== undefined && t.isSelf(remoteAddress, remotePort)) {
    throw new SessionEnd('permanent', `mail loop: ${target.host}:${target.port} (${remoteAddress}:${remotePort}) is this Letterbox instance`, false);
  }

  // RFC 5321 §4.3.1: a 554 greeting means "no service here"; try the next host.
  const greeting = await connection.read(timeouts.greeting, 'the greeting');
  if (greeting.code !== 220) throw endFor(greeting, true);

  connection.capabilities = await hello(connection, t);
  if (target.tls !== 'implicit') {
    if (connection.capabilities.has('STARTTLS')) {
      const reply = await connection.command('STARTTLS', timeouts.command);
      if (reply.code === 220) {
        await startTls(connection, t);
        connection.capabilities = await hello(connection, t);
      } else if (target.tls === 'required') {
        throw new SessionEnd('temporary', `STARTTLS refused: ${replyLine(reply)}`, true);
      }
    } else if (target.tls === 'required') {
      throw new SessionEnd('temporary', 'the server does not offer STARTTLS and TLS is required (--release-allow-insecure allows plain text)', true);
    }
  }
  if (target.auth) await authenticate(connection, t, target.auth);
}

/**
 * MAIL, RCPT for each recipient, DATA and the message; pipelined when offered
 * (RFC 2920 §3.1: the replies come back in order). Returns 'stale' when a kept
 * connection turns out to be closed before any reply.
 */
async function transaction(connection: Connection, t: SmtpTransaction, decided: Map<string, RecipientOutcome>, reused: boolean): Promise<Attempted> {
  const { timeouts } = t;
  const capabilities = connection.capabilities;
  const params: string[] = [];
  const size = capabilities.get('SIZE');
  if (size !== undefined) {
    if (Number(size) > 0 && t.data.length > Number(size)) {
      throw new SessionEnd('permanent', `552 message of ${t.data.length} bytes exceeds the server's SIZE ${size}`, false);
    }
    params.push(`SIZE=${t.data.length}`);
  }
  if (capabilities.has('8BITMIME') && !isAscii(t.data)) params.push('BODY=8BITMIME');
  if (capabilities.has('SMTPUTF8') && /[^\x00-\x7f]/.test(t.mailFrom + t.rcptTo.join(''))) params.push('SMTPUTF8');
  const mailLine = `MAIL FROM:<${t.mailFrom}>${params.map((p) => ' ' + p).join('')}`;
  const pipelining = capabilities.has('PIPELINING');

  let mail: Reply;
  const firstRead = async (what: string) => {
    try {
      return await connection.read(timeouts.command, what);
    } catch (error) {
      if (error instanceof WireFailure && error.kind === 'network' && reused) throw STALE;
      throw error;
    }
  };
  const STALE = new Error('stale');
  try {
    if (pipelining) connection.sendGroup([mailLine, ...t.rcptTo.map((address) => `RCPT TO:<${address}>`), 'DATA']);
    else connection.send(mailLine);
    mail = await firstRead('MAIL');
  } catch (error) {
    if (error === STALE) return 'stale';
    throw error;
  }
  if (mail.code === 421 && reused) return 'stale';
  if (mail.code === 421) throw endFor(mail, true);

  const accepted: string[] = [];
  for (const address of t.rcptTo) {
    const reply = pipelining ? await connection.read(timeouts.command, 'RCPT') : mail.code === 250 ? await connection.command(`RCPT TO:<${address}>`, timeouts.command) : undefined;
    if (reply?.code === 421) throw endFor(reply, true);
    if (mail.code !== 250 || !reply) continue;
    if (statusOf(reply.code) === 'delivered') accepted.push(address);
    else decided.set(address, { address, status: statusOf(reply.code), reply: replyLine(reply) });
  }
  let go: Reply | undefined;
  if (pipelining) go = await connection.read(timeouts.command, 'DATA');
  if (mail.code !== 250) {
    // RFC 5321 §4.1.1.2: the transaction never began; the next host may think otherwise.
    if (go?.code === 354) await finishData(connection, Buffer.alloc(0), timeouts);
    throw endFor(mail, statusOf(mail.code) !== 'permanent');
  }
  if (accepted.length === 0) {
    // Every recipient refused. A pipelined DATA was refused too (RFC 2920 §3.1), unless
    // the server got it wrong and said 354: then an empty message ends it.
    if (go?.code === 354) await finishData(connection, Buffer.alloc(0), timeouts);
    const reset = await connection.command('RSET', timeouts.command);
    return { end: undefined, clean: reset.code === 250 };
  }
  if (!pipelining) go = await connection.command('DATA', timeouts.command);
  if (!go || go.code !== 354) {
    for (const address of accepted) decided.set(address, { address, status: go && statusOf(go.code) === 'permanent' ? 'permanent' : 'temporary', reply: go ? replyLine(go) : 'no reply' });
    if (go?.code === 421) throw endFor(go, false);
    const reset = await connection.command('RSET', timeouts.command);
    return { end: undefined, clean: reset.code === 250 };
  }
  connection.transcript.push(`C: <message, ${t.data.length} bytes>`, 'C: .');
  // RFC 5321 §4.5.3.2.6: the reply to the final dot may take long (10 minutes).
  const done = await finishData(connection, t.data, timeouts);
  if (done.code === 421) throw endFor(done, false);
  for (const address of accepted) decided.set(address, { address, status: statusOf(done.code), reply: replyLine(done) });
  return { end: undefined, clean: true };
}

async function finishData(connection: Connection, data: Buffer, timeouts: SmtpTimeouts): Promise<Reply> {
  connection.write(dataForWire(data));
  return connection.read(timeouts.data, 'the message data');
}

function connectSocket(t: SmtpTransaction): Promise<Socket> {
  const { target, timeouts } = t;
  return new Promise((resolve, reject) => {
    const socket: Socket =
      target.tls === 'implicit'
        ? tlsConnect({ host: target.host, port: target.port, servername: sniName(target.servername), rejectUnauthorized: target.verifyCertificate })
        : netConnect({ host: target.host, port: target.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new WireFailure('timeout', `could not connect within ${timeouts.connect} ms`));
    }, timeouts.connect);
    socket.once(target.tls === 'implicit' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(new WireFailure('network', `could not connect: ${error.message}`));
    };
    socket.once('error', onError);
  });
}

async function startTls(connection: Connection, t: SmtpTransaction): Promise<void> {
  const { target, timeouts } = t;
  const plain = connection.socket as Socket;
  connection.reader.detach();
  const secure = await new Promise<TLSSocket>((resolve, reject) => {
    const tls = tlsConnect({ socket: plain, servername: sniName(target.servername), rejectUnauthorized: target.verifyCertificate });
    const timer = setTimeout(() => {
      tls.destroy();
      reject(new WireFailure('timeout', `TLS handshake did not finish within ${timeouts.command} ms`));
    }, timeouts.command);
    tls.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(tls);
    });
    tls.once('error', (error) => {
      clearTimeout(timer);
      reject(new WireFailure('network', `TLS failed: ${error.message}`));
    });
  });
  connection.tls = true;
  connection.transcript.push(`-- TLS ${secure.getProtocol() ?? ''} established`);
  connection.use(secure);
}

/** EHLO, falling back to HELO (RFC 5321 §4.1.4); returns the extensions offered. */
async function hello(connection: Connection, t: SmtpTransaction): Promise<Map<string, string>> {
  const timeout = t.timeouts.command;
  const ehlo = await connection.command(`EHLO ${t.helo}`, timeout);
  if (ehlo.code === 250) {
    const capabilities = new Map<string, string>();
    for (const line of ehlo.lines.slice(1)) {
      const [keyword = '', ...rest] = line.slice(4).trim().split(/\s+/);
      capabilities.set(keyword.toUpperCase(), rest.join(' '));
    }
    return capabilities;
  }
  const helo = await connection.command(`HELO ${t.helo}`, timeout);
  if (helo.code !== 250) throw endFor(helo, true);
  return new Map();
}

/** AUTH PLAIN (RFC 4616) or LOGIN, whichever the server offers, PLAIN first. */
async function authenticate(connection: Connection, t: SmtpTransaction, auth: { user: string; password: string }): Promise<void> {
  const timeout = t.timeouts.command;
  const mechanisms = (connection.capabilities.get('AUTH') ?? '').toUpperCase().split(/\s+/);
  let reply: Reply;
  if (mechanisms.includes('PLAIN')) {
    const token = Buffer.from(`\0${auth.user}\0${auth.password}`).toString('base64');
    reply = await connection.command(`AUTH PLAIN ${token}`, timeout, 'AUTH PLAIN ****');
  } else if (mechanisms.includes('LOGIN')) {
    reply = await connection.command('AUTH LOGIN', timeout);
    if (reply.code === 334) reply = await connection.command(Buffer.from(auth.user).toString('base64'), timeout, '**** (user)');
    if (reply.code === 334) reply = await connection.command(Buffer.from(auth.password).toString('base64'), timeout, '**** (password)');
  } else {
    throw new SessionEnd('permanent', 'the server offers neither AUTH PLAIN nor AUTH LOGIN', false);
  }
  if (reply.code !== 235) throw new SessionEnd(statusOf(reply.code) === 'permanent' ? 'permanent' : 'temporary', `authentication failed: ${replyLine(reply)}`, false);
}

/** SNI must be a host name, never an IP literal (RFC 6066 §3). */
function sniName(name: string): string | undefined {
  return /^[\d.]+$|:/.test(name) ? undefined : name.replace(/\.$/, '');
}
