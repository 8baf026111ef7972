import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldBytes } from '../helpers/held-memory.js';
import { hostileCorpus, type CorpusMessage } from '../helpers/hostile-corpus.js';
import { ImapBytesClient } from '../helpers/imap-bytes.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { queuedId, SmtpDialogue, stuffAfterCrlf } from '../helpers/smtp-dialogue.js';
import { Pop3Dialogue } from '../pop3/pop3-dialogue.js';

/**
 * The hostile corpus (MIME bombs, broken encodings, bad charsets, NUL and 8-bit
 * headers, a header flood, truncated multiparts, address-parser torture) delivered
 * over SMTP and read back through every front: the raw bytes byte-identical through
 * the API, POP3 RETR and IMAP BODY[]; the parsed views (the JSON message, BODYSTRUCTURE,
 * ENVELOPE) answered without an error; another session served while each is parsed;
 * and memory back within a generous bound once all of it has been read.
 */
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Generous bounds: a stall would show as many seconds, a leak as hundreds of megabytes. */
const RESPONSIVE_MS = 5_000;
const HELD_GROWTH_CAP = 384 * 1024 * 1024;


interface Delivered extends CorpusMessage {
  id: string;
}

describe('hostile corpus: delivered over SMTP, read back through every front', () => {
  let box: TestSandbox;
  const delivered: Delivered[] = [];
  let heldBefore = 0;
  let http = '';

  beforeAll(async () => {
    box = await startTestSandbox();
    http = `http://127.0.0.1:${box.port('http')}`;
    heldBefore = heldBytes();
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    for (const message of hostileCorpus()) {
      const reply = await smtp.send(Buffer.concat([stuffAfterCrlf(message.raw), Buffer.from('.\r\n')]));
      if (reply.code !== 250) throw new Error(`${message.name}: ${reply.lines.join(' ')}`);
      delivered.push({ ...message, id: queuedId(reply) });
    }
    smtp.close();
  }, 120_000);
  afterAll(async () => {
    await box?.stop(0);
  });

  /**
   * Runs `work` while a second IMAP session sends NOOPs back to back; each NOOP must be
   * answered well within RESPONSIVE_MS, or the event loop was held by the parse.
   */
  async function whileResponsive<T>(work: () => Promise<T>): Promise<{ result: T; worstNoopMs: number; noops: number }> {
    const probe = await ImapBytesClient.open(box.port('imap'), 'probe');
    let done = false;
    let worst = 0;
    let noops = 0;
    const probing = (async () => {
      // At least one NOOP, even when the work is quick.
      do {
        const t = performance.now();
        await probe.expectOk('NOOP');
        worst = Math.max(worst, performance.now() - t);
        noops++;
      } while (!done);
    })();
    try {
      const result = await work();
      return { result, worstNoopMs: worst, noops };
    } finally {
      done = true;
      await probing;
      probe.close();
    }
  }

  it('every message got its 250 and is in the store unchanged', async () => {
    expect(delivered.map((d) => d.name)).toEqual(hostileCorpus().map((c) => c.name));
    for (const d of delivered) expect(sha((await box.store.readRaw(d.id)) ?? Buffer.alloc(0)), d.name).toBe(sha(d.raw));
  });

  it('API: /raw is byte-identical and the JSON message is answered, while IMAP stays responsive', async () => {
    for (const d of delivered) {
      const { result, worstNoopMs } = await whileResponsive(async () => {
        const raw = Buffer.from(await (await fetch(`${http}/api/v1/message/${d.id}/raw`)).arrayBuffer());
        const json = await fetch(`${http}/api/v1/message/${d.id}`);
        return { raw, status: json.status, body: (await json.json()) as { ID?: string } };
      });
      expect(sha(result.raw), d.name).toBe(sha(d.raw));
      expect(result.status, d.name).toBe(200);
      expect(result.body.ID, d.name).toBe(d.id);
      expect(worstNoopMs, `${d.name}: NOOP during parse`).toBeLessThan(RESPONSIVE_MS);
    }
  }, 180_000);

  it('POP3: RETR of each is byte-identical', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    await pop.login('catchall');
    const uidl = await pop.multiline('UIDL');
    const numberOf = new Map(uidl.lines.map((l) => l.split(' ')).map(([n, id]) => [id, n]));
    for (const d of delivered) {
      const retr = await pop.multiline(`RETR ${numberOf.get(d.id)}`);
      expect(retr.status, d.name).toMatch(/^\+OK/);
      expect(sha(retr.body), d.name).toBe(sha(d.raw));
    }
    await pop.command('QUIT');
    pop.close();
  }, 180_000);

  it('IMAP: BODY[] byte-identical (but NUL); BODYSTRUCTURE and ENVELOPE answered OK, while another session stays responsive', async () => {
    const imap = await ImapBytesClient.open(box.port('imap'));
    for (const [i, d] of delivered.entries()) {
      const seq = i + 1;
      const { result, worstNoopMs } = await whileResponsive(async () => {
        const body = ImapBytesClient.literalAfter(await imap.expectOk(`FETCH ${seq} (BODY.PEEK[])`), 'BODY[]');
        const structure = await imap.command(`FETCH ${seq} (BODYSTRUCTURE ENVELOPE RFC822.SIZE)`);
        return { body, structure };
      });
      // RFC 3501 §4.3: a literal holds no NUL, so BODY[] sends each as 0x80, as Dovecot does (BINARY sends literal8).
      expect(sha(result.body), d.name).toBe(sha(Buffer.from(d.raw.map((byte) => (byte === 0 ? 0x80 : byte)))));
      expect(result.structure.status, d.name).toMatch(/^OK/);
      expect(result.structure.bytes.toString('latin1'), d.name).toContain(`RFC822.SIZE ${d.raw.length}`);
      expect(result.structure.bytes.toString('latin1'), d.name).toMatch(/BODYSTRUCTURE \(/);
      expect(worstNoopMs, `${d.name}: NOOP during FETCH`).toBeLessThan(RESPONSIVE_MS);
    }
    imap.close();
  }, 180_000);

  it('memory: what the process holds did not grow past a generous bound after reading all of it', () => {
    // Alone about 100 MB, with the 23 MB of mail the store keeps. In a worker that ran other
    // files first, what they left may be freed meanwhile: only an upper bound means anything.
    const growth = heldBytes() - heldBefore;
    expect(growth).toBeLessThan(HELD_GROWTH_CAP);
  });
});
