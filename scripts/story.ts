/**
 * The seed story, played on loopback: "How does email delivery work", in eight steps.
 *
 *   Alice's client ─SMTP─► red.com ─DNS MX?─► (blue.com MX 10 mx.blue.com)
 *        ─SMTP─► mx.blue.com (a relay hop) ─SMTP─► blue.com ◄─IMAP/POP3─ Bob
 *
 * A tiny DNS server answers for blue.com; every server is a Letterbox instance in
 * this process, on port 0. Each step is printed as it happens, with the real DNS
 * answer and SMTP replies. `npm run story` runs it; `--direct` skips the relay hop.
 */
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import type { Logger as MailLogger } from 'nodemailer/lib/shared/index.js';
import { defaultConfig, type Config } from '../server/config.js';
import { silentLogger } from '../server/lib/log.js';
import type { ReleaseAttempt } from '../server/relay/release-history.js';
import { createSandbox, type Sandbox } from '../server/sandbox.js';
import type { StoredMessage } from '../server/store/types.js';
import { startDnsServer } from '../test/helpers/dns-server.js';

export interface StoryResult {
  /** The bytes red.com caught from Alice's client. */
  alice: Buffer;
  /** The bytes Bob read over IMAP (BODY[]), null when that failed, and downloaded over POP3 (RETR). */
  imap: Buffer | null;
  pop3: Buffer;
  /** Whether Bob's IMAP \Seen showed in blue.com's store (what the web inbox reads). */
  seen: boolean;
  /** The Received lines Bob's copy gained, top first. */
  traceLines: string[];
  /** Instances the message passed, in order. */
  hops: string[];
  /** Messages left at blue.com after POP3 DELE + QUIT. */
  leftAtBlue: number;
}

const OFF = null;
const PORT0 = { host: '127.0.0.1', port: 0 };

async function instance(name: string, overrides: Partial<Config>): Promise<Sandbox> {
  const config: Config = { ...defaultConfig(), hostname: name, label: name, smtp: PORT0, listen: OFF, pop3: OFF, imap: OFF, ...overrides };
  const sandbox = await createSandbox(config, { logger: silentLogger });
  await sandbox.start();
  return sandbox;
}

const portOf = (box: Sandbox, name: string) => {
  const found = box.listeners.find((l) => l.name === name);
  if (!found) throw new Error(`${name} is not listening`);
  return found.port;
};

/** Resolves with the next message a store files under `login`'s INBOX. */
function nextFiled(box: Sandbox, login: string): Promise<StoredMessage> {
  return new Promise((resolve) => {
    const off = box.store.on('filed', ({ login: who, folder, entry }) => {
      if (who !== login || folder !== 'INBOX') return;
      off();
      resolve(entry.message);
    });
  });
}

function printAttempt(print: (line: string) => void, from: string, attempt: ReleaseAttempt): void {
  for (const line of attempt.transcript) if (!line.startsWith('C: <message')) print(`      ${from} ${line}`);
  print(`      → ${attempt.outcome} (${attempt.results.map((r) => `${r.address}: ${r.reply}`).join('; ')})`);
}

/** nodemailer's transaction log, as `C:`/`S:` lines (the message itself left out). */
function smtpDialogue(print: (line: string) => void): MailLogger {
  const quiet = () => undefined;
  return {
    level: quiet,
    trace: quiet,
    info: quiet,
    warn: quiet,
    error: quiet,
    fatal: quiet,
    debug: (meta: unknown, message: unknown, ...args: unknown[]) => {
      const tnx = typeof meta === 'object' && meta !== null ? (meta as { tnx?: unknown }).tnx : undefined;
      if (tnx !== 'server' && tnx !== 'client') return;
      const text = format(String(message), ...args);
      for (const line of text.split(/\r?\n/)) print(`      Alice ${tnx === 'server' ? 'S' : 'C'}: ${line}`);
    },
  };
}

/** POP3 (RFC 1939) as Bob's client speaks it: USER/PASS, STAT, RETR 1, DELE 1, QUIT. */
async function popDownloadAndDelete(port: number, user: string, print: (line: string) => void): Promise<Buffer> {
  const socket = connect({ host: '127.0.0.1', port });
  let buffer = Buffer.alloc(0);
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (const wake of waiters.splice(0)) wake();
  });
  const until = async (end: string): Promise<Buffer> => {
    for (;;) {
      const at = buffer.indexOf(end);
      if (at >= 0) {
        const taken = buffer.subarray(0, at + end.length);
        buffer = buffer.subarray(at + end.length);
        return taken;
      }
      await new Promise<void>((resolve, reject) => {
        waiters.push(resolve);
        socket.once('close', () => reject(new Error('POP3 server closed the connection')));
      });
    }
  };
  const line = async () => (await until('\r\n')).toString('latin1').trimEnd();
  const command = async (text: string, shown = text) => {
    print(`      C: ${shown}`);
    socket.write(text + '\r\n');
    const reply = await line();
    print(`      S: ${reply}`);
    if (!reply.startsWith('+OK')) throw new Error(`POP3 ${shown}: ${reply}`);
    return reply;
  };
  print(`      S: ${await line()}`);
  await command(`USER ${user}`);
  await command('PASS secret', 'PASS ****');
  await command('STAT');
  await command('RETR 1');
  const body = await until('\r\n.\r\n');
  // RFC 1939 §3: undo the byte-stuffing of lines that begin with ".".
  const text = body.subarray(0, body.length - 3).toString('latin1').replace(/(^|\r\n)\.\./g, '$1.');
  print(`      S: <${text.length} bytes> .`);
  await command('DELE 1');
  await command('QUIT');
  socket.end();
  return Buffer.from(text, 'latin1');
}

export async function playStory(options: { print: (line: string) => void; relayHop: boolean }): Promise<StoryResult> {
  const { print, relayHop } = options;
  const boxes: Sandbox[] = [];
  const dns = await startDnsServer({ mx: { 'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }] }, a: { 'mx.blue.com': ['127.0.0.1'] } });
  try {
    // blue.com: Bob's mail server (SMTP in, IMAP and POP3 out).
    const blue = await instance('blue.com', { pop3: PORT0, imap: PORT0 });
    boxes.push(blue);
    // mx.blue.com: blue.com's inbound relay, passing every message on to blue.com.
    const gateway = relayHop
      ? await instance('mx.blue.com', {
          releaseSmarthost: { host: '127.0.0.1', port: portOf(blue, 'smtp') },
          releaseAllowInsecure: true,
          releaseAllow: ['blue.com'],
          releaseAuto: 'to:@blue.com',
        })
      : undefined;
    if (gateway) boxes.push(gateway);
    const mxPort = portOf(gateway ?? blue, 'smtp');
    // red.com: Alice's mail server, delivering outbound mail by MX lookup.
    const red = await instance('red.com', {
      releaseMx: true, releaseAllowPrivate: true,
      releaseAllow: ['blue.com'],
      releaseAuto: 'to:@blue.com',
      dnsServer: dns.address,
      releasePort: mxPort,
    });
    boxes.push(red);
    print(`DNS server for blue.com on ${dns.address}; red.com SMTP :${portOf(red, 'smtp')}; ${gateway ? `mx.blue.com SMTP :${mxPort}; ` : ''}blue.com SMTP :${portOf(blue, 'smtp')}, IMAP :${portOf(blue, 'imap')}, POP3 :${portOf(blue, 'pop3')}`);

    const redService = red.release;
    if (!redService) throw new Error('red.com has no release service');
    let dnsShown = false;
    let handedOver: () => void = () => undefined;
    const redHandedOver = new Promise<void>((resolve) => (handedOver = resolve));
    redService.on('attempt', ({ attempt }) => {
      if (!dnsShown) {
        dnsShown = true;
        print('2. red.com asks DNS for the MX of blue.com');
        print('3. DNS answers:');
        for (const line of attempt.dns) print(`      ${line}`);
        print(`4. red.com connects to ${attempt.host} (${attempt.address}) and hands the mail over:`);
      }
      printAttempt(print, 'red.com', attempt);
      handedOver();
    });
    const gatewayService = gateway ? gateway.release : undefined;
    // The hop is printed when its transaction is over, which is after blue.com filed the mail.
    const passedOn = new Promise<void>((resolve) => {
      if (!gatewayService) return resolve();
      gatewayService.on('attempt', ({ attempt }) => {
        print(`5. mx.blue.com passes it on to blue.com (${attempt.address}):`);
        printAttempt(print, 'mx.blue.com', attempt);
        resolve();
      });
    });
    const filed = nextFiled(blue, 'bob@blue.com');

    print('1. Alice\'s client sends over SMTP to red.com');
    const client = createTransport({ host: '127.0.0.1', port: portOf(red, 'smtp'), secure: false, name: 'alice-laptop.red.com', debug: true, logger: smtpDialogue(print) });
    const info = await client.sendMail({
      from: 'Alice <alice@red.com>',
      to: 'Bob <bob@blue.com>',
      subject: 'Lunch on Friday?',
      text: 'Hi Bob,\n\nLunch on Friday at noon?\n.\nAlice\n',
    });
    client.close();
    print(`      (queued at red.com: ${info.response})`);
    const caught = red.store.latest();
    const alice = caught && (await red.store.readRaw(caught.id));
    if (!alice) throw new Error('red.com caught nothing');

    const [atBlue] = await Promise.all([filed, redHandedOver, passedOn]);
    if (!gateway) print('5. (no relay hop: red.com delivered straight to blue.com\'s MX)');
    print(`6. blue.com files it in Bob's INBOX (message ${atBlue.id}, ${atBlue.size} bytes)`);

    print('7. Bob logs in over IMAP and reads it; it stays on the server');
    const imap = new ImapFlow({ host: '127.0.0.1', port: portOf(blue, 'imap'), secure: false, auth: { user: 'bob@blue.com', pass: 'secret' }, logger: false });
    await imap.connect();
    const mailbox = await imap.mailboxOpen('INBOX');
    print(`      * ${mailbox.exists} EXISTS in INBOX`);
    let imapBytes: Buffer | null = null;
    let seen = false;
    try {
      const fetched = await imap.fetchOne('*', { source: true, envelope: true, flags: true });
      if (!fetched || !fetched.source) throw new Error('FETCH returned no BODY[]');
      imapBytes = Buffer.from(fetched.source);
      print(`      * FETCH BODY[]: "${fetched.envelope?.subject ?? ''}" from ${fetched.envelope?.from?.[0]?.address ?? '?'}, ${imapBytes.length} bytes`);
      await imap.messageFlagsAdd('*', ['\\Seen']);
      seen = blue.store.get(atBlue.id)?.flags.has('\\Seen') ?? false;
      print(`      * STORE +FLAGS (\\Seen): the message is now read for every client${seen ? ', the web inbox too' : ''}`);
    } catch (error) {
      print(`      ! IMAP FETCH failed: ${(error as { responseText?: string }).responseText ?? (error as Error).message}`);
    }
    await imap.logout();

    print('8. Bob\'s phone downloads it over POP3 and deletes it from the server');
    const pop3 = await popDownloadAndDelete(portOf(blue, 'pop3'), 'bob@blue.com', print);
    const leftAtBlue = blue.store.stats().messages;
    print(`      blue.com now holds ${leftAtBlue} message(s)`);

    const head = pop3.toString('latin1');
    const traceLines = head.slice(0, head.length - alice.length).split(/\r\n(?=Received:)/).map((l) => l.replace(/\r\n$/, ''));
    for (const line of traceLines) print(`   trace: ${line.replace(/\r\n\t/g, ' ')}`);
    return {
      alice,
      imap: imapBytes,
      seen,
      pop3,
      traceLines,
      hops: gateway ? ['red.com', 'mx.blue.com', 'blue.com'] : ['red.com', 'blue.com'],
      leftAtBlue,
    };
  } finally {
    await Promise.all(boxes.map((box) => box.stop(0)));
    await dns.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  playStory({ print: (line) => console.log(line), relayHop: !process.argv.includes('--direct') }).then(
    (result) => {
      const same = result.imap !== null && result.imap.equals(result.pop3) && result.pop3.subarray(result.pop3.length - result.alice.length).equals(result.alice);
      console.log(same ? `Bob read Alice's exact bytes plus ${result.traceLines.length} Received line(s), one per hop.` : 'The bytes differ!');
      process.exit(same ? 0 : 1);
    },
    (error: unknown) => {
      console.error('the story stopped:', error);
      process.exit(1);
    },
  );
}
