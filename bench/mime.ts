/**
 * MIME structure for IMAP: time to build the MIME tree and render BODYSTRUCTURE +
 * ENVELOPE from stored bytes, against two references measured in the same run:
 * mailparser's full parse (what the web inbox uses to show a message) and the
 * header-only summary made at delivery (the cheapest look at a message there is).
 *
 *   npm run bench mime            (about a minute)
 *   BENCH_ROUNDS=500 npm run bench mime   (shorter cells)
 *
 * Corpus: messages composed by nodemailer — 2 KB plain text; multipart/alternative
 * with an inline image; multipart/mixed with a 100 KB attachment and an RFC 2231 name;
 * a forwarded message/rfc822 — each timed on its own.
 */
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { bodyStructure } from '../server/imap/bodystructure.js';
import { envelope } from '../server/imap/envelope.js';
import { buildMimeTree } from '../server/mime/mime-tree.js';
import { summarizeHeaders } from '../server/mime/summary.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2_000);

function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

const base = {
  from: '"Alice Example" <alice@red.example>',
  to: 'Bob <bob@blue.example>, carol@blue.example',
  cc: 'Team: dave@blue.example, erin@blue.example;',
  subject: 'Quarterly numbers — draft',
  messageId: '<bench@red.example>',
  date: new Date('2024-01-02T10:00:00Z'),
};
const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n'.repeat(34);

async function corpus(): Promise<Record<string, Buffer>> {
  const plain = await compose({ ...base, text });
  const alternative = await compose({
    ...base,
    text,
    html: `<p>${text}</p><img src="cid:logo@red.example">`,
    attachments: [{ filename: 'logo.png', content: randomBytes(2_000), cid: 'logo@red.example' }],
  });
  const attachment = await compose({
    ...base,
    text,
    attachments: [{ filename: '€ rates for the first quarter of 2024, final version.pdf', content: randomBytes(100_000) }],
  });
  const forwarded = await compose({ ...base, text: 'Forwarded.', attachments: [{ filename: 'fwd.eml', content: alternative, contentType: 'message/rfc822' }] });
  return { plain, alternative, attachment, forwarded };
}

/** Best of three means, in microseconds per call, of a synchronous step (the machine may be shared). */
function time(fn: () => void): number {
  let best = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ROUNDS; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1_000 / ROUNDS);
  }
  return best;
}

/** The same for a step that returns a promise (mailparser). */
async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ROUNDS; i++) await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1_000 / ROUNDS);
  }
  return best;
}

const messages = await corpus();
const smtpEnvelope = { mailFrom: 'alice@red.example', rcptTo: ['bob@blue.example'] };
const steps = {
  ours: (raw: Buffer) => {
    const tree = buildMimeTree(raw);
    bodyStructure(tree, true);
    envelope(tree.root.header);
  },
  summary: (raw: Buffer) => summarizeHeaders(raw, smtpEnvelope),
};
// Warm every path on every message first, so the first row does not pay for the JIT.
for (const raw of Object.values(messages)) {
  for (let i = 0; i < 500; i++) {
    steps.ours(raw);
    steps.summary(raw);
  }
  for (let i = 0; i < 50; i++) await simpleParser(raw);
}
console.log(`rounds per cell: ${ROUNDS} (best of 3); figures are microseconds per message (lower is better)\n`);
console.log('message      size     tree+BODYSTRUCTURE+ENVELOPE  mailparser  ratio   header summary  ratio');
for (const [name, raw] of Object.entries(messages)) {
  const ours = time(() => steps.ours(raw));
  const parsed = await timeAsync(() => simpleParser(raw));
  const summary = time(() => steps.summary(raw));
  console.log(
    `${name.padEnd(12)} ${String(raw.length).padStart(7)}  ${ours.toFixed(1).padStart(27)}  ${parsed.toFixed(1).padStart(10)}  ${(parsed / ours).toFixed(1).padStart(5)}×  ${summary.toFixed(1).padStart(14)}  ${(summary / ours).toFixed(2).padStart(5)}×`,
  );
}
console.log('\nratio = reference time / ours: above 1 means the MIME tree path is faster.');
