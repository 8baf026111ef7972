/**
 * Import/export: the archive formats and the import client, each as a ratio against a
 * reference measured in the same run.
 *
 *   npm run bench transfer          (about half a minute)
 *
 * - formats: writing and reading an mbox and a stored zip of 2,000 messages (4 KB text,
 *   every 50th 100 KB), against Buffer.concat of the same bytes (the floor: one copy);
 * - import: messages/s through one SMTP session into an in-process Letterbox with the
 *   import client (server/cli/smtp-client.ts), against nodemailer sending the same raw
 *   messages over one pooled connection to the same server.
 */
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { SmtpClient } from '../server/cli/smtp-client.js';
import { defaultConfig } from '../server/config.js';
import { silentLogger } from '../server/lib/log.js';
import { createSandbox } from '../server/sandbox.js';
import { archiveChunks, type ArchivedMessage } from '../server/transfer/archive.js';
import { readMbox } from '../server/transfer/mbox.js';
import { readZip } from '../server/transfer/zip-reader.js';

const COUNT = 2_000;

function message(i: number): Buffer {
  const size = i % 50 === 0 ? 100 * 1024 : 4 * 1024;
  const body = randomBytes(Math.ceil((size * 3) / 4)).toString('base64').replace(/.{76}/g, '$&\r\n');
  // Lines mbox and SMTP must escape: a From line and a leading dot, now and then.
  const tricky = i % 7 === 0 ? 'From the start\r\n.dot\r\n' : '';
  return Buffer.from(`From: app@red.com\r\nTo: bob@blue.com\r\nSubject: message ${i}\r\n\r\n${tricky}${body}\r\n`);
}

function time(run: () => void, rounds = 5): number {
  run();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

async function formats(): Promise<void> {
  const messages: ArchivedMessage[] = Array.from({ length: COUNT }, (_, i) => ({ id: `id${i}`, raw: message(i), envelope: { mailFrom: 'app@red.com' }, receivedAt: new Date() }));
  const bytes = messages.reduce((n, m) => n + m.raw.length, 0);
  const reference = time(() => void Buffer.concat(messages.map((m) => m.raw)));
  const mbox = Buffer.concat([...archiveChunks(messages, 'mbox')]);
  const zip = Buffer.concat([...archiveChunks(messages, 'zip')]);
  const rows: Array<[string, number]> = [
    ['Buffer.concat (reference)', reference],
    ['mbox write', time(() => void Buffer.concat([...archiveChunks(messages, 'mbox')]))],
    ['mbox read', time(() => void readMbox(mbox))],
    ['zip write', time(() => void Buffer.concat([...archiveChunks(messages, 'zip')]))],
    ['zip read (CRC checked)', time(() => void readZip(zip))],
  ];
  console.log(`formats: ${COUNT} messages, ${(bytes / 1024 / 1024).toFixed(1)} MB`);
  for (const [name, ms] of rows) {
    console.log(`  ${name.padEnd(26)} ${ms.toFixed(1).padStart(8)} ms  ${((bytes / 1024 / 1024) / (ms / 1000)).toFixed(0).padStart(6)} MB/s  ${(ms / reference).toFixed(1).padStart(6)}x reference`);
  }
}

async function importRate(): Promise<void> {
  const config = { ...defaultConfig(), smtp: { host: '127.0.0.1', port: 0 }, listen: null, pop3: null, imap: null, maxMessages: 0, maxBytes: 0 };
  const sandbox = await createSandbox(config, { logger: silentLogger });
  const [smtp] = await sandbox.start();
  const raws = Array.from({ length: 1_000 }, (_, i) => message(i + 1));
  const envelope = { mailFrom: 'app@red.com', rcptTo: ['bob@blue.com'] };

  const runOurs = async () => {
    const client = await SmtpClient.open({ host: smtp!.host, port: smtp!.port, helo: 'bench' });
    const start = performance.now();
    for (const raw of raws) await client.submit(envelope, raw);
    const ms = performance.now() - start;
    await client.close();
    return ms;
  };
  const runNodemailer = async () => {
    const transport = nodemailer.createTransport({ host: smtp!.host, port: smtp!.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity });
    const start = performance.now();
    for (const raw of raws) await transport.sendMail({ envelope: { from: envelope.mailFrom, to: envelope.rcptTo }, raw });
    const ms = performance.now() - start;
    transport.close();
    return ms;
  };
  // Alternate, best of three each, so neither side gets the warm server alone.
  let ours = Infinity;
  let theirs = Infinity;
  for (let round = 0; round < 3; round++) {
    await sandbox.store.clear();
    theirs = Math.min(theirs, await runNodemailer());
    await sandbox.store.clear();
    ours = Math.min(ours, await runOurs());
  }
  await sandbox.stop(0);
  const rate = (ms: number) => (raws.length / (ms / 1000)).toFixed(0);
  console.log(`import: ${raws.length} messages over one SMTP session into Letterbox`);
  console.log(`  nodemailer, pooled (reference)  ${rate(theirs).padStart(6)} msg/s`);
  console.log(`  letterbox import client         ${rate(ours).padStart(6)} msg/s  ${(theirs / ours).toFixed(2)}x reference`);
}

await formats();
await importRate();
