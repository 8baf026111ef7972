import { connect, type Socket } from 'node:net';

export interface SmtpReply {
  code: number;
  /** Every line of the reply, without CRLF. */
  lines: string[];
}

/**
 * A raw SMTP client for hostile tests: it writes exactly the bytes it is given (no
 * dot-stuffing of its own, no terminator) and reads whole replies, multi-line ones
 * (`250-…`) included (RFC 5321 §4.2.1).
 */
export class SmtpDialogue {
  #buffer = '';
  #wake: (() => void) | undefined;
  #closed = false;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString('latin1');
      this.#notify();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#notify();
    });
    socket.on('error', () => undefined);
  }

  /** Connects and reads the greeting; with `ehlo`, also says EHLO. */
  static async open(port: number, options: { ehlo?: boolean } = {}): Promise<SmtpDialogue> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
    const smtp = new SmtpDialogue(socket);
    const greeting = await smtp.reply();
    if (greeting.code !== 220) throw new Error(`greeting: ${greeting.lines.join(' ')}`);
    if (options.ehlo !== false) await smtp.expect('EHLO fuzz.test', 250);
    return smtp;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async reply(): Promise<SmtpReply> {
    const lines: string[] = [];
    for (;;) {
      const end = this.#buffer.indexOf('\r\n');
      if (end < 0) {
        if (this.#closed) throw new Error(`connection closed after ${JSON.stringify(lines)}`);
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      lines.push(line);
      if (line[3] !== '-') return { code: Number(line.slice(0, 3)), lines };
    }
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(line: string): Promise<SmtpReply> {
    this.write(line + '\r\n');
    return this.reply();
  }

  async expect(line: string, code: number): Promise<SmtpReply> {
    const reply = await this.command(line);
    if (reply.code !== code) throw new Error(`${line}: ${reply.lines.join(' | ')}`);
    return reply;
  }

  /** MAIL, RCPT and DATA, then `wire` as given (it must carry its own stuffing and terminator). */
  async send(wire: Buffer, envelope = { from: 'fuzz@red.com', to: 'fuzz@blue.com' }): Promise<SmtpReply> {
    await this.expect(`MAIL FROM:<${envelope.from}>`, 250);
    await this.expect(`RCPT TO:<${envelope.to}>`, 250);
    await this.expect('DATA', 354);
    this.write(wire);
    return this.reply();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** RFC 5321 §4.5.2 transparency, exactly as written: a "." at the start of a line (after CRLF) is doubled. */
export function stuffAfterCrlf(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  return Buffer.from((text.startsWith('.') ? '.' : '') + text.replace(/\r\n\./g, '\r\n..'), 'latin1');
}

/** The id in `250 Ok: queued as <id>`. */
export function queuedId(reply: SmtpReply): string {
  const id = /queued as (\S+)/.exec(reply.lines.join(' '))?.[1];
  if (!id) throw new Error(`no id in ${reply.lines.join(' ')}`);
  return id;
}
