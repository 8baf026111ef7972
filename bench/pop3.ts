/**
 * POP3: one session that logs in, LISTs, UIDLs and RETRs all of 10,000 stored 2 KB
 * messages, against Letterbox and against Debian's Dovecot POP3 server holding the
 * same messages in a Maildir, side by side.
 *
 *   npm run bench pop3                (about a minute)
 *   BENCH_MESSAGES=2000 npm run bench pop3
 *   BENCH_CPU_PROF=dir npm run bench pop3   (writes Letterbox's --cpu-prof there)
 *
 * Each server runs in its own process tree; the client (this process) is a lean
 * raw-socket POP3 client used for both. Two ways of asking:
 * - sequential: one command, then its reply, then the next (what most clients do);
 * - pipelined: RETRs kept 64 in flight (RFC 2449 PIPELINING, which both announce).
 * Each figure is the median of 5 timed sessions (alternating between the servers)
 * after one warm-up session each. Ratio =
 * Dovecot's time / Letterbox's time, so above 1.0 means Letterbox is faster.
 *
 * Dovecot (apt-get install -y dovecot-pop3d) is configured here in a temporary folder:
 * a Maildir filled with the same messages (LF line ends and S=/W= sizes in the file
 * names, as Dovecot's own delivery writes them), a passwd-file passdb, a static
 * userdb, a loopback listener on a free port; it runs in the foreground as a child
 * process and is stopped by its PID at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const MESSAGE_SIZE = 2048;
const RUNS = 5;
const WINDOW = 64;
const USER = 'bench@blue.example';
const PASSWORD = 'bench-pw';
const here = fileURLToPath(import.meta.url);

// ---- The messages: the same bytes for both servers ---------------------------------------

/** Message `n` as CRLF text of exactly MESSAGE_SIZE octets; every seventh has lines that need byte-stuffing. */
function message(n: number): string {
  const header = [
    `Return-Path: <sender@red.example>`,
    `From: Sender <sender@red.example>`,
    `To: Bench <${USER}>`,
    `Subject: Benchmark message ${n}`,
    `Date: Sat, 28 Nov 2026 10:00:00 +0000`,
    `Message-ID: <bench-${n}@red.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
  ].join('\r\n');
  const lines: string[] = [];
  let length = header.length + 2;
  let seed = n * 2654435761;
  for (let i = 0; length < MESSAGE_SIZE - 80; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const word = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.slice(seed % 20);
    const line = (n % 7 === 0 && i % 5 === 0 ? '.' : '') + (word + word).slice(0, 70);
    lines.push(line);
    length += line.length + 2;
  }
  const body = lines.join('\r\n') + '\r\n';
  const padding = MESSAGE_SIZE - (header.length + 2 + body.length) - 2;
  return header + '\r\n' + body + 'x'.repeat(padding) + '\r\n';
}

// ---- Letterbox, in a child process -------------------------------------------------------

async function serveLetterbox(): Promise<void> {
  const { loadConfig } = await import('../server/config.js');
  const { createSandbox } = await import('../server/sandbox.js');
  const { silentLogger } = await import('../server/lib/log.js');
  const config = loadConfig(
    ['--pop3', '127.0.0.1:0', '--smtp', 'off', '--listen', 'off', '--imap', 'off', '--max-messages', '0', '--max-bytes', '0'],
    {},
  );
  const box = await createSandbox(config, { logger: silentLogger });
  const listeners = await box.start();
  let indexed = 0;
  const allIndexed = new Promise<void>((resolve) => {
    box.store.on('indexed', () => ++indexed === MESSAGES && resolve());
  });
  for (let n = 1; n <= MESSAGES; n++) {
    box.store.deliver({ raw: Buffer.from(message(n)), envelope: { mailFrom: 'sender@red.example', rcptTo: [USER] } });
  }
  // Body indexing runs after delivery; let it finish so it does not share the timed runs.
  await allIndexed;
  const port = listeners.find((l) => l.name === 'pop3')?.port;
  process.stdout.write(`READY ${port}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void box.stop(0).then(() => process.exit(0)));
}

async function startLetterbox(): Promise<{ port: number; stop(): Promise<void> }> {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const child = spawn(process.execPath, [...process.execArgv, ...profile, here, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /READY (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`Letterbox exited with ${code} before it was ready`)));
  });
  return { port, stop: () => stopChild(child, () => child.stdin?.end()) };
}

// ---- Dovecot, in a child process ---------------------------------------------------------

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts Dovecot, or says exactly why it cannot run here. */
async function startDovecot(): Promise<{ port: number; stop(): Promise<void> } | string> {
  const binary = spawnSync('sh', ['-c', 'command -v dovecot'], { encoding: 'utf8' }).stdout.trim();
  if (!binary) return 'dovecot is not installed (apt-get install -y dovecot-pop3d)';
  if (spawnSync('test', ['-x', '/usr/lib/dovecot/pop3']).status !== 0) return 'Dovecot is installed without its POP3 server (apt-get install -y dovecot-pop3d)';
  const dir = mkdtempSync(join(tmpdir(), 'letterbox-bench-dovecot-'));
  // Dovecot's auth and mail processes run as other users: they must reach into the folder.
  chmodSync(dir, 0o755);
  const maildir = join(dir, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  mkdirSync(join(dir, 'home'));
  for (let n = 1; n <= MESSAGES; n++) {
    const crlf = message(n);
    const lf = crlf.replace(/\r\n/g, '\n');
    // Dovecot's Maildir naming: S= file size, W= size with CRLF line ends (what POP3 reports).
    writeFileSync(join(maildir, 'cur', `1795900000.M${n}P1.bench,S=${lf.length},W=${crlf.length}:2,`), lf);
  }
  writeFileSync(join(dir, 'passwd'), `${USER}:{PLAIN}${PASSWORD}\n`);
  const root = process.getuid?.() === 0;
  // As root, mail is read as the `mail` user; otherwise everything runs as the current user.
  const mailUser = root ? 'mail' : userInfo().username;
  if (root) {
    const ids = spawnSync('id', ['-u', 'mail'], { encoding: 'utf8' }).stdout.trim();
    const gid = spawnSync('id', ['-g', 'mail'], { encoding: 'utf8' }).stdout.trim();
    if (!ids) return 'no `mail` user to read the Maildir as';
    for (const path of spawnSync('find', [maildir, join(dir, 'home')], { encoding: 'utf8' }).stdout.trim().split('\n')) {
      chownSync(path, Number(ids), Number(gid));
    }
  }
  const port = await freePort();
  const uid = root ? 'mail' : String(process.getuid?.());
  const conf = [
    `base_dir = ${join(dir, 'run')}`,
    `state_dir = ${join(dir, 'state')}`,
    'log_path = /dev/stderr',
    'protocols = pop3',
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain',
    `mail_location = maildir:${maildir}`,
    `first_valid_uid = ${root ? 8 : process.getuid?.()}`,
    // Like Letterbox: RETR does not change flags.
    'pop3_no_flag_updates = yes',
    // Rootless: every service runs as this user, and its sockets belong to this user's group.
    ...(root
      ? []
      : [
          `default_internal_user = ${mailUser}`,
          `default_login_user = ${mailUser}`,
          `default_internal_group = ${spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim()}`,
        ]),
    'passdb {',
    '  driver = passwd-file',
    `  args = ${join(dir, 'passwd')}`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${uid} gid=${uid === 'mail' ? 'mail' : String(process.getgid?.())} home=${join(dir, 'home')}`,
    '}',
    'service pop3-login {',
    ...(root ? [] : ['  chroot =']),
    '  inet_listener pop3 {',
    '    address = 127.0.0.1',
    `    port = ${port}`,
    '  }',
    '}',
    ...(root ? [] : ['service anvil {', '  chroot =', '}']),
  ].join('\n');
  writeFileSync(join(dir, 'dovecot.conf'), conf + '\n');
  const child = spawn(binary, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const started = await new Promise<boolean>((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/starting up/.test(log)) resolve(true);
    });
    child.once('exit', () => resolve(false));
    child.once('error', () => resolve(false));
  });
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  if (!started) {
    cleanup();
    return `Dovecot did not start: ${log.trim() || 'no output'}`;
  }
  return {
    port,
    stop: async () => {
      await stopChild(child, () => child.kill('SIGTERM'));
      cleanup();
    },
  };
}

function stopChild(child: ChildProcess, ask: () => void): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    ask();
  });
}

// ---- The client -------------------------------------------------------------------------

const TERMINATOR = Buffer.from('\r\n.\r\n');

/** A lean POP3 client: replies are matched to commands in order; multi-line bodies end at CRLF.CRLF. */
class Pop3Client {
  #buffer: Buffer = Buffer.alloc(0);
  #queue: Array<{ multiline: boolean; resolve: (reply: { status: string; body: number }) => void; reject: (e: Error) => void }> = [];
  #greeting: Promise<void>;
  bodyOctets = 0;

  private constructor(private readonly socket: Socket) {
    this.#greeting = new Promise((resolve, reject) => this.#queue.push({ multiline: false, resolve: () => resolve(), reject }));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => {
      for (const waiter of this.#queue.splice(0)) waiter.reject(new Error('connection closed'));
    });
  }

  static async open(port: number): Promise<Pop3Client> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.setNoDelay(true);
    const client = new Pop3Client(socket);
    await client.#greeting;
    return client;
  }

  send(line: string, multiline: boolean): Promise<{ status: string; body: number }> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ multiline, resolve, reject });
      this.socket.write(line + '\r\n');
    });
  }

  async ok(line: string, multiline = false): Promise<{ status: string; body: number }> {
    const reply = await this.send(line, multiline);
    if (!reply.status.startsWith('+OK')) throw new Error(`${line}: ${reply.status}`);
    return reply;
  }

  #uncorkScheduled = false;

  #onData(chunk: Buffer): void {
    // Commands sent in reaction to this batch of replies leave together, in one write.
    if (!this.#uncorkScheduled) {
      this.#uncorkScheduled = true;
      this.socket.cork();
      setImmediate(() => {
        this.#uncorkScheduled = false;
        this.socket.uncork();
      });
    }
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const waiter = this.#queue[0];
      if (!waiter) return;
      const eol = this.#buffer.indexOf('\r\n');
      if (eol < 0) return;
      const status = this.#buffer.toString('latin1', 0, eol);
      let end = eol + 2;
      let body = 0;
      if (waiter.multiline && status.startsWith('+OK')) {
        // An empty body is just ".\r\n" right after the status line.
        if (this.#buffer.length < end + 3) return;
        if (this.#buffer[end] === 0x2e && this.#buffer[end + 1] === 0x0d && this.#buffer[end + 2] === 0x0a) {
          end += 3;
        } else {
          const at = this.#buffer.indexOf(TERMINATOR, end);
          if (at < 0) return;
          body = at + 2 - end;
          end = at + TERMINATOR.length;
        }
      }
      this.#buffer = this.#buffer.subarray(end);
      this.#queue.shift();
      this.bodyOctets += body;
      waiter.resolve({ status, body });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  closed(): Promise<void> {
    return this.socket.closed ? Promise.resolve() : new Promise((resolve) => this.socket.once('close', () => resolve()));
  }
}

interface SessionResult {
  ms: number;
  retrieved: number;
  octets: number;
}

/** One timed session: connect, USER/PASS, LIST, UIDL, RETR 1..n, QUIT. */
async function session(port: number, pipelined: boolean): Promise<SessionResult> {
  const started = performance.now();
  const client = await Pop3Client.open(port);
  await client.ok(`USER ${USER}`);
  await client.ok(`PASS ${PASSWORD}`);
  await client.ok('LIST', true);
  await client.ok('UIDL', true);
  client.bodyOctets = 0;
  let retrieved = 0;
  if (pipelined) {
    let next = 1;
    const worker = async () => {
      while (next <= MESSAGES) {
        const n = next++;
        await client.ok(`RETR ${n}`, true);
        retrieved++;
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, worker));
  } else {
    for (let n = 1; n <= MESSAGES; n++) {
      await client.ok(`RETR ${n}`, true);
      retrieved++;
    }
  }
  const octets = client.bodyOctets;
  await client.ok('QUIT');
  await client.closed();
  return { ms: performance.now() - started, retrieved, octets };
}

/** The session with the median time. */
function medianOf(results: SessionResult[]): SessionResult {
  const sorted = [...results].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor(sorted.length / 2)] as SessionResult;
}

async function main(): Promise<void> {
  console.log(`${MESSAGES} stored messages of ${MESSAGE_SIZE} octets; one session: USER/PASS, LIST, UIDL, RETR all, QUIT (median of ${RUNS})`);
  const letterbox = await startLetterbox();
  const dovecot = process.env.BENCH_SKIP_DOVECOT ? 'skipped (BENCH_SKIP_DOVECOT)' : await startDovecot();
  const figures: Record<string, { letterbox: SessionResult; dovecot?: SessionResult }> = {};
  try {
    for (const [mode, pipelined] of [['sequential', false], ['pipelined', true]] as const) {
      // Warm-up: JIT for Letterbox; Dovecot builds its index on the first session.
      await session(letterbox.port, pipelined);
      if (typeof dovecot !== 'string') await session(dovecot.port, pipelined);
      // Timed sessions alternate between the servers, so both see the same machine.
      const ours: SessionResult[] = [];
      const theirs: SessionResult[] = [];
      for (let i = 0; i < RUNS; i++) {
        ours.push(await session(letterbox.port, pipelined));
        if (typeof dovecot !== 'string') theirs.push(await session(dovecot.port, pipelined));
      }
      figures[mode] = { letterbox: medianOf(ours), ...(theirs.length > 0 ? { dovecot: medianOf(theirs) } : {}) };
    }
  } finally {
    await letterbox.stop();
    if (typeof dovecot !== 'string') await dovecot.stop();
  }

  const rate = (r: SessionResult) => `${((r.octets / 1024 / 1024) / (r.ms / 1000)).toFixed(1)} MB/s`;
  console.log('\nmode         Letterbox                 Dovecot                   ratio (Dovecot time / Letterbox time)');
  for (const [mode, { letterbox: ours, dovecot: theirs }] of Object.entries(figures)) {
    const left = `${ours.ms.toFixed(0)} ms (${rate(ours)})`.padEnd(26);
    const right = theirs ? `${theirs.ms.toFixed(0)} ms (${rate(theirs)})`.padEnd(26) : 'n/a'.padEnd(26);
    console.log(`${mode.padEnd(13)}${left}${right}${theirs ? (theirs.ms / ours.ms).toFixed(2) : 'n/a'}`);
    if (ours.retrieved !== MESSAGES) console.log(`  ! Letterbox returned ${ours.retrieved} of ${MESSAGES} messages`);
    if (theirs && theirs.octets !== ours.octets) {
      console.log(`  ! the servers sent different amounts: Letterbox ${ours.octets} octets, Dovecot ${theirs.octets}`);
    }
  }
  if (typeof dovecot === 'string') console.log(`\nDovecot not measured: ${dovecot}`);
}

if (process.argv.includes('--serve')) {
  await serveLetterbox();
} else {
  await main();
}
