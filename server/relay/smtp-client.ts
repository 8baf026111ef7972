/**
 * One SMTP transaction to one host (RFC 5321 §3, §4), with a full transcript. It
 * never throws for anything the network or the server does: every outcome is a
 * value, per recipient.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { dataForWire, ReplyReader, WireFailure, type Reply } from './smtp-wire.js';

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
  /** `S: 220 …` / `C: EHLO …` lines; passwords masked, message data summarised. */
  transcript: string[];
}

/** Sends one transaction; injected so tests and the story can observe or replace it. */
export interface SmtpClient {
  send(transaction: SmtpTransaction): Promise<TransactionResult>;
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

const replyLine = (reply: Reply) => `${reply.code} ${reply.text}`;

export const nodeSmtpClient: SmtpClient = {
  send: (transaction) => new Session(transaction).run(),
};

class Session {
  readonly #t: SmtpTransaction;
  readonly #reader = new ReplyReader();
  readonly #transcript: string[] = [];
  readonly #decided = new Map<string, RecipientOutcome>();
  #socket: Socket | undefined;
  #tls = false;

  constructor(transaction: SmtpTransaction) {
    this.#t = transaction;
  }

  async run(): Promise<TransactionResult> {
    let end: SessionEnd | undefined;
    try {
      await this.#dialogue();
    } catch (error) {
      end = this.#asEnd(error);
      this.#transcript.push(`!! ${end.reply}`);
    } finally {
      this.#reader.detach();
      this.#socket?.destroy();
    }
    const recipients = this.#t.rcptTo.map(
      (address) => this.#decided.get(address) ?? { address, status: end?.status ?? 'temporary', reply: end?.reply ?? 'no reply' },
    );
    return { recipients, tryNextHost: end?.tryNextHost ?? false, tls: this.#tls, transcript: this.#transcript };
  }

  #asEnd(error: unknown): SessionEnd {
    if (error instanceof SessionEnd) return error;
    if (error instanceof WireFailure) return new SessionEnd('temporary', error.message, true);
    const message = error instanceof Error ? error.message : String(error);
    return new SessionEnd('temporary', message, true);
  }

  async #dialogue(): Promise<void> {
    const { target, timeouts } = this.#t;
    this.#transcript.push(`-- connecting to ${target.host}:${target.port}${target.tls === 'implicit' ? ' (TLS)' : ''}`);
    const socket = await this.#connect();
    this.#use(socket);

    // RFC 5321 §4.3.1: a 554 greeting means "no service here"; try the next host.
    const greeting = await this.#read(timeouts.greeting, 'the greeting');
    if (greeting.code !== 220) throw new SessionEnd(statusOf(greeting.code) === 'permanent' ? 'permanent' : 'temporary', replyLine(greeting), true);

    let capabilities = await this.#hello();
    if (target.tls !== 'implicit') {
      const offered = capabilities.has('STARTTLS');
      if (offered) {
        const reply = await this.#command('STARTTLS', timeouts.command);
        if (reply.code === 220) {
          await this.#startTls();
          capabilities = await this.#hello();
        } else if (target.tls === 'required') {
          throw new SessionEnd('temporary', `STARTTLS refused: ${replyLine(reply)}`, true);
        }
      } else if (target.tls === 'required') {
        throw new SessionEnd('temporary', 'the server does not offer STARTTLS and TLS is required (--release-allow-insecure allows plain text)', true);
      }
    }

    if (target.auth) await this.#authenticate(capabilities, target.auth);

    const params: string[] = [];
    const size = capabilities.get('SIZE');
    if (size !== undefined) {
      if (Number(size) > 0 && this.#t.data.length > Number(size)) {
        throw new SessionEnd('permanent', `552 message of ${this.#t.data.length} bytes exceeds the server's SIZE ${size}`, false);
      }
      params.push(`SIZE=${this.#t.data.length}`);
    }
    if (capabilities.has('8BITMIME') && this.#t.data.some((byte) => byte > 0x7f)) params.push('BODY=8BITMIME');
    if (capabilities.has('SMTPUTF8') && /[^\x00-\x7f]/.test(this.#t.mailFrom + this.#t.rcptTo.join(''))) params.push('SMTPUTF8');

    const mail = await this.#command(`MAIL FROM:<${this.#t.mailFrom}>${params.map((p) => ' ' + p).join('')}`, timeouts.command);
    if (mail.code !== 250) throw new SessionEnd(statusOf(mail.code) === 'permanent' ? 'permanent' : 'temporary', replyLine(mail), statusOf(mail.code) !== 'permanent');

    const accepted: string[] = [];
    for (const address of this.#t.rcptTo) {
      const reply = await this.#command(`RCPT TO:<${address}>`, timeouts.command);
      const status = statusOf(reply.code);
      if (status === 'delivered') accepted.push(address);
      else this.#decided.set(address, { address, status, reply: replyLine(reply) });
    }
    if (accepted.length === 0) {
      await this.#quit();
      return;
    }

    const go = await this.#command('DATA', timeouts.command);
    if (go.code !== 354) throw new SessionEnd(statusOf(go.code) === 'permanent' ? 'permanent' : 'temporary', replyLine(go), false);
    const wire = dataForWire(this.#t.data);
    this.#transcript.push(`C: <message, ${this.#t.data.length} bytes>`, 'C: .');
    this.#write(wire);
    // RFC 5321 §4.5.3.2.6: the reply to the final dot may take long (10 minutes).
    const done = await this.#read(timeouts.data, 'the message data');
    const status = statusOf(done.code);
    for (const address of accepted) this.#decided.set(address, { address, status, reply: replyLine(done) });
    await this.#quit();
  }

  #connect(): Promise<Socket> {
    const { target, timeouts } = this.#t;
    return new Promise((resolve, reject) => {
      const socket: Socket =
        target.tls === 'implicit'
          ? tlsConnect({ host: target.host, port: target.port, servername: sniName(target.servername), rejectUnauthorized: target.verifyCertificate })
          : netConnect({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new WireFailure('timeout', `could not connect within ${timeouts.connect} ms`));
      }, timeouts.connect);
      socket.once(target.tls === 'implicit' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        if (target.tls === 'implicit') this.#tls = true;
        resolve(socket);
      });
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(new WireFailure('network', `could not connect: ${error.message}`));
      };
      socket.once('error', onError);
    });
  }

  #use(socket: Socket): void {
    this.#socket = socket;
    socket.on('error', () => undefined); // reported through the reader
    this.#reader.attach(socket);
  }

  async #startTls(): Promise<void> {
    const { target, timeouts } = this.#t;
    const plain = this.#socket as Socket;
    this.#reader.detach();
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
    this.#tls = true;
    this.#transcript.push(`-- TLS ${secure.getProtocol() ?? ''} established`);
    this.#use(secure);
  }

  /** EHLO, falling back to HELO (RFC 5321 §4.1.4); returns the extensions offered. */
  async #hello(): Promise<Map<string, string>> {
    const timeout = this.#t.timeouts.command;
    const ehlo = await this.#command(`EHLO ${this.#t.helo}`, timeout);
    if (ehlo.code === 250) {
      const capabilities = new Map<string, string>();
      for (const line of ehlo.lines.slice(1)) {
        const [keyword = '', ...rest] = line.slice(4).trim().split(/\s+/);
        capabilities.set(keyword.toUpperCase(), rest.join(' '));
      }
      return capabilities;
    }
    if (ehlo.code === 421) throw new SessionEnd('temporary', replyLine(ehlo), true);
    const helo = await this.#command(`HELO ${this.#t.helo}`, timeout);
    if (helo.code !== 250) throw new SessionEnd(statusOf(helo.code) === 'permanent' ? 'permanent' : 'temporary', replyLine(helo), true);
    return new Map();
  }

  /** AUTH PLAIN (RFC 4616) or LOGIN, whichever the server offers, PLAIN first. */
  async #authenticate(capabilities: Map<string, string>, auth: { user: string; password: string }): Promise<void> {
    const timeout = this.#t.timeouts.command;
    const mechanisms = (capabilities.get('AUTH') ?? '').toUpperCase().split(/\s+/);
    let reply: Reply;
    if (mechanisms.includes('PLAIN')) {
      const token = Buffer.from(`\0${auth.user}\0${auth.password}`).toString('base64');
      reply = await this.#command(`AUTH PLAIN ${token}`, timeout, 'AUTH PLAIN ****');
    } else if (mechanisms.includes('LOGIN')) {
      reply = await this.#command('AUTH LOGIN', timeout);
      if (reply.code === 334) reply = await this.#command(Buffer.from(auth.user).toString('base64'), timeout, '**** (user)');
      if (reply.code === 334) reply = await this.#command(Buffer.from(auth.password).toString('base64'), timeout, '**** (password)');
    } else {
      throw new SessionEnd('permanent', 'the server offers neither AUTH PLAIN nor AUTH LOGIN', false);
    }
    if (reply.code !== 235) throw new SessionEnd(statusOf(reply.code) === 'permanent' ? 'permanent' : 'temporary', `authentication failed: ${replyLine(reply)}`, false);
  }

  async #command(line: string, timeout: number, shown = line): Promise<Reply> {
    this.#transcript.push(`C: ${shown}`);
    this.#write(Buffer.from(line + '\r\n'));
    const reply = await this.#read(timeout, shown.split(' ')[0] ?? shown);
    // RFC 5321 §3.8: 421 means the server is closing; nothing more will be said.
    if (reply.code === 421) throw new SessionEnd('temporary', replyLine(reply), true);
    return reply;
  }

  async #read(timeout: number, what: string): Promise<Reply> {
    const reply = await this.#reader.read(timeout, what);
    for (const line of reply.lines) this.#transcript.push(`S: ${line}`);
    return reply;
  }

  #write(bytes: Buffer): void {
    this.#socket?.write(bytes);
  }

  /** QUIT politely; the outcome is already decided, so its reply does not matter. */
  async #quit(): Promise<void> {
    try {
      await this.#command('QUIT', Math.min(this.#t.timeouts.command, 5_000));
    } catch {
      // already decided
    }
  }
}

/** SNI must be a host name, never an IP literal (RFC 6066 §3). */
function sniName(name: string): string | undefined {
  return /^[\d.]+$|:/.test(name) ? undefined : name.replace(/\.$/, '');
}
