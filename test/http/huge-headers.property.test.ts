import fc from 'fast-check';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { queuedId, SmtpDialogue, stuffAfterCrlf } from '../helpers/smtp-dialogue.js';

/**
 * For random header blocks — junk fields (some named like the fields the summary reads)
 * before and after, Subject and Message-ID anywhere, folded lines, To and Cc of random
 * length — delivered over SMTP: the message JSON's Subject and MessageID are what
 * /headers reports, and a list entry carries at most 50 addresses per list while its
 * count is what addressparser finds in the whole field.
 */
interface Entry {
  ID: string;
  Subject: string;
  MessageID: string;
  To: unknown[];
  Cc: unknown[];
  ToCount: number;
  CcCount: number;
}

const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
const junkName = fc.constantFrom('X-Junk', 'Subjects', 'X-Subject', 'Message-IDs', 'Tos', 'Ccc', 'Received', 'DKIM-Signature');
const junk = fc.tuple(junkName, fc.array(word, { minLength: 1, maxLength: 4 })).map(([name, words]) => `${name}: ${words.join(' ')}`);
const mailbox = fc.tuple(word, word).map(([local, host]) => `${local}@${host}.example`);
const address = fc.oneof(
  mailbox,
  fc.tuple(word, mailbox).map(([name, a]) => `${name} <${a}>`),
  fc.tuple(word, word, mailbox).map(([a, b, m]) => `"${a}, ${b}" <${m}>`),
  fc.tuple(word, fc.array(mailbox, { minLength: 1, maxLength: 3 })).map(([name, members]) => `${name}: ${members.join(', ')};`),
  fc.tuple(mailbox, word).map(([m, comment]) => `${m} (${comment}, x)`),
);
/** A field's value, its words or entries folded onto continuation lines at random (RFC 5322 §2.2.3). */
const fold = (parts: string[], separator: string, folds: boolean[]) =>
  parts.map((part, i) => (i === 0 ? part : `${separator}${folds[i % folds.length] ? '\r\n ' : ' '}${part}`)).join('');

const block = fc.record({
  // Now and then a flood past the summary's old cap of 2,000 fields.
  before: fc.oneof(
    { weight: 4, arbitrary: fc.array(junk, { maxLength: 300 }) },
    { weight: 1, arbitrary: fc.integer({ min: 2_000, max: 2_500 }).map((n) => Array.from({ length: n }, (_, i) => `X-Flood-${i}: ${i}`)) },
  ),
  after: fc.array(junk, { maxLength: 30 }),
  subject: fc.array(word, { minLength: 1, maxLength: 6 }),
  messageId: fc.tuple(word, word).map(([l, d]) => `<${l}@${d}>`),
  to: fc.array(address, { maxLength: 120 }),
  cc: fc.array(address, { maxLength: 70 }),
  folds: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
  at: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
});

type Block = typeof block extends fc.Arbitrary<infer T> ? T : never;

function message(b: Block): Buffer {
  const fields = [
    `Subject: ${fold(b.subject, '', b.folds)}`,
    `Message-ID: ${b.messageId}`,
    ...(b.to.length ? [`To: ${fold(b.to, ',', b.folds)}`] : []),
    ...(b.cc.length ? [`Cc: ${fold(b.cc, ',', b.folds)}`] : []),
  ];
  const lines = ['From: prop@red.example', ...b.before];
  // Each field the summary reads lands at a random place among the junk.
  fields.forEach((field, i) => lines.splice(1 + ((b.at[i] ?? 0) % lines.length), 0, field));
  return Buffer.from([...lines, ...b.after, '', 'body', ''].join('\r\n'));
}

/** The count the whole field gives addressparser (what Letterbox gives when it parses every entry apart). */
const trueCount = (value: string | undefined) => (value ? addressparser(value, { flatten: true }).filter((a) => a.address || a.name).length : 0);

describe('random header blocks: the JSON agrees with /headers, list entries are capped and counted', () => {
  let box: TestSandbox;
  let smtp: SmtpDialogue;
  let http = '';
  const get = async <T>(path: string): Promise<T> => (await (await fetch(http + path)).json()) as T;

  beforeAll(async () => {
    box = await startTestSandbox();
    http = `http://127.0.0.1:${box.port('http')}`;
    smtp = await SmtpDialogue.open(box.port('smtp'));
  });
  afterAll(async () => {
    smtp?.close();
    await box?.stop(0);
  });

  it('holds for random blocks', async () => {
    await fc.assert(
      fc.asyncProperty(block, async (b) => {
        const raw = message(b);
        const id = queuedId(await smtp.send(Buffer.concat([stuffAfterCrlf(raw), Buffer.from('.\r\n')])));
        const headers = await get<Record<string, string[] | undefined>>(`/api/v1/message/${id}/headers`);
        const full = await get<Entry>(`/api/v1/message/${id}`);
        expect(full.Subject).toBe(headers['Subject']?.[0]);
        expect(`<${full.MessageID}>`).toBe(headers['Message-Id']?.[0]);
        const page = await get<{ messages: Entry[] }>(`/api/v1/search?query=${encodeURIComponent(`message-id:${full.MessageID}`)}`);
        const entry = page.messages.find((m) => m.ID === id);
        expect(entry?.Subject).toBe(full.Subject);
        const toCount = trueCount(headers['To']?.[0]);
        const ccCount = trueCount(headers['Cc']?.[0]);
        expect(entry?.ToCount).toBe(toCount);
        expect(entry?.CcCount).toBe(ccCount);
        expect(entry?.To.length).toBe(Math.min(50, toCount));
        expect(entry?.Cc.length).toBe(Math.min(50, ccCount));
        expect(full.To.length).toBe(toCount);
        await fetch(`${http}/api/v1/messages`, { method: 'DELETE', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ IDs: [id] }) });
      }),
      { numRuns: 20 },
    );
  }, 60_000);
});
