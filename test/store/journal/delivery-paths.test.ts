import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeRecords } from '../../../server/store/journal/record-codec.js';
import { MemoryStore } from '../../../server/store/memory-store.js';
import { startTestSandbox, type TestSandbox } from '../../helpers/sandbox.js';
import { loggedIn } from '../../imap/imap-client.js';

/** Small enough that a test message can go past it on every path. */
const MAX_SIZE = 4_096;

/** A message that carries a marker to find it by, and an X-Tags header (Mailpit's delivery tags). */
function message(marker: string, padding = 0): string {
  return `From: alice@red.com\r\nTo: bob@blue.com\r\nSubject: ${marker}\r\nX-Tags: from-header\r\n\r\n${marker}\r\n${'x'.repeat(padding)}\r\n`;
}

type Path = 'smtp' | 'http' | 'imap';

/** Hands a message over one path; resolves with that path's acknowledgement (or its refusal). */
async function send(box: TestSandbox, path: Path, raw: string): Promise<{ ok: true } | { ok: false; reply: string }> {
  if (path === 'smtp') {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: 'alice@red.com', to: ['bob+from-address@blue.com'] }, raw });
      return { ok: true };
    } catch (error) {
      return { ok: false, reply: (error as { response?: string }).response ?? String(error) };
    } finally {
      transport.close();
    }
  }
  if (path === 'http') {
    const subject = /Subject: (.*)\r\n/.exec(raw)?.[1] ?? '';
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    const response = await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ From: { Email: 'alice@red.com' }, To: [{ Email: 'bob+from-address@blue.com' }], Subject: subject, Text: body, Headers: { 'X-Tags': 'from-header' } }),
    });
    return response.ok ? { ok: true } : { ok: false, reply: `${response.status} ${await response.text()}` };
  }
  const flow = new ImapFlow({ host: '127.0.0.1', port: box.port('imap'), secure: false, auth: { user: 'bob@blue.com', pass: 'x' }, logger: false });
  await flow.connect();
  try {
    await flow.append('INBOX', raw);
    return { ok: true };
  } catch (error) {
    const failure = error as { responseText?: string; serverResponseCode?: string };
    return { ok: false, reply: `${failure.serverResponseCode ?? ''} ${failure.responseText ?? String(error)}` };
  } finally {
    await flow.logout();
  }
}

/** The journal's message records right now, as a restart would read them. */
async function journaledMessages(dir: string) {
  const { records } = decodeRecords(await readFile(join(dir, 'journal.lbx')));
  return records.flatMap((r) => (r.t === 'msg' ? [r] : []));
}

describe('one delivery service for SMTP, HTTP send and IMAP APPEND', () => {
  let dir: string;
  const boxes: TestSandbox[] = [];
  const start = async () => {
    const box = await startTestSandbox({ dataDir: dir, smtpMaxSize: MAX_SIZE });
    boxes.push(box);
    return box;
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-delivery-'));
  });
  afterEach(async () => {
    for (const box of boxes.splice(0)) await box.stop(0);
    await rm(dir, { recursive: true, force: true });
  });

  it.each<Path>(['smtp', 'http', 'imap'])('%s acknowledges only once the message is in the journal, tagged', async (path) => {
    const box = await start();
    const marker = `committed-over-${path}`;
    expect(await send(box, path, message(marker))).toEqual({ ok: true });
    // Read at the moment of the acknowledgement: nothing has had time to write it since.
    const record = (await journaledMessages(dir)).find((r) => r.raw.includes(marker));
    expect(record, `${path}: the journal holds the message when it is acknowledged`).toBeDefined();
    // X-Tags applies on every path; plus-addressing wherever there is an envelope recipient.
    expect(record?.tags).toEqual(path === 'imap' ? ['from-header'] : ['from-address', 'from-header']);

    await box.stop(0);
    const again = await start();
    const back = again.store.messages().find((m) => m.summary.subject === marker);
    expect(back?.tags).toEqual(record?.tags);
  });

  it.each<Path>(['smtp', 'http', 'imap'])('%s acknowledges nothing when the commit fails', async (path) => {
    const box = await start();
    if (!(box.store instanceof MemoryStore)) throw new Error('the sandbox runs the memory store');
    // The journal's commit, failing as a full disk would make it fail.
    box.store.setCommitter(() => Promise.reject(new Error('no space left on device')));
    const outcome = await send(box, path, message(`unsaved-over-${path}`));
    expect(outcome.ok).toBe(false);
    // SMTP 451 (RFC 5321 §4.2.5), HTTP 503, IMAP NO [UNAVAILABLE] (RFC 5530 §3): try again later.
    expect(outcome.ok ? '' : outcome.reply).toMatch({ smtp: /^451 /, http: /^503 /, imap: /UNAVAILABLE/ }[path]);
  });

  it.each<Path>(['smtp', 'http', 'imap'])('%s refuses a message past the size limit and stores nothing', async (path) => {
    const box = await start();
    const outcome = await send(box, path, message(`too-large-over-${path}`, MAX_SIZE));
    expect(outcome.ok).toBe(false);
    const reply = outcome.ok ? '' : outcome.reply;
    // SMTP 552 (RFC 5321 §4.5.3.1.10), HTTP 413, IMAP NO [TOOBIG] (RFC 4469 §5, RFC 5530 §3).
    expect(reply).toMatch({ smtp: /^552 /, http: /^413 /, imap: /TOOBIG/ }[path]);
    expect(box.store.stats().messages).toBe(0);
    await box.store.flushed();
    expect(await journaledMessages(dir)).toEqual([]);
  });

  it('IMAP MULTIAPPEND keeps all or none: one message past the limit refuses the batch (RFC 3502 §3)', async () => {
    const box = await start();
    const c = await loggedIn(box.port('imap'), 'bob@blue.com');
    const lit = (text: string) => `{${Buffer.byteLength(text)}+}\r\n${text}`;
    const [small, large] = [message('batch-small'), message('batch-large', MAX_SIZE)];
    expect(await c.command('A1', `APPEND INBOX ${lit(small)} ${lit(large)}`)).toEqual([`A1 NO [TOOBIG] Message exceeds the maximum size of ${MAX_SIZE} bytes`]);
    expect(box.store.stats().messages).toBe(0);
    expect(await c.command('A2', `APPEND INBOX ${lit(small)} ${lit(small)}`)).toEqual([expect.stringMatching(/^A2 OK \[APPENDUID \d+ 1:2\] APPEND completed$/)]);
    // Both are in the journal at the moment of the OK.
    expect((await journaledMessages(dir)).filter((r) => r.raw.includes('batch-small'))).toHaveLength(2);
    c.close();
  });
});
