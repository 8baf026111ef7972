import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapBytesClient } from '../helpers/imap-bytes.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { queuedId, SmtpDialogue, stuffAfterCrlf } from '../helpers/smtp-dialogue.js';
import { Pop3Dialogue } from '../pop3/pop3-dialogue.js';
import { addressFlood, fieldFlood, LATE_FIELDS } from './huge-headers.js';

/**
 * A header block of 20,000 fields, or a To and a Cc of 20,000 addresses each, delivered
 * over SMTP: the message JSON and the list still show the Subject, Message-ID, From and
 * Date found past them (as /headers does), list entries carry at most 50 addresses per
 * list with the full count beside them, the message JSON says why its body is the raw
 * text, and raw, POP3 and IMAP still serve the exact bytes.
 */
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface AddressJson {
  Name: string;
  Address: string;
}

interface MessageJson {
  ID: string;
  MessageID: string;
  From: AddressJson | null;
  To: AddressJson[];
  Cc: AddressJson[];
  ToCount: number;
  CcCount: number;
  Subject: string;
  Date: string;
  ParseError: string;
}

describe('huge header blocks over SMTP and HTTP', () => {
  let box: TestSandbox;
  let http = '';
  const sent: Array<{ name: string; raw: Buffer; id: string }> = [];

  const json = async <T>(path: string): Promise<T> => {
    const response = await fetch(http + path);
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  const byName = (name: string) => {
    const found = sent.find((s) => s.name === name);
    if (!found) throw new Error(`no ${name}`);
    return found;
  };

  beforeAll(async () => {
    box = await startTestSandbox();
    http = `http://127.0.0.1:${box.port('http')}`;
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    for (const [name, raw] of [
      ['field-flood', fieldFlood(20_000)],
      ['address-flood', addressFlood(20_000)],
      ['ordinary', Buffer.from('From: a@red.example\r\nTo: b@blue.example\r\nSubject: plain\r\n\r\nhello\r\n')],
    ] as const) {
      const reply = await smtp.send(Buffer.concat([stuffAfterCrlf(raw), Buffer.from('.\r\n')]));
      sent.push({ name, raw, id: queuedId(reply) });
    }
    smtp.close();
  }, 60_000);
  afterAll(async () => {
    await box?.stop(0);
  });

  it.each(['field-flood', 'address-flood'])('%s: the message JSON has the Subject, Message-ID, From and Date that /headers has', async (name) => {
    const { id } = byName(name);
    const headers = await json<Record<string, string[]>>(`/api/v1/message/${id}/headers`);
    const message = await json<MessageJson>(`/api/v1/message/${id}`);
    expect(headers['Subject']).toEqual([LATE_FIELDS.subject]);
    expect(message.Subject).toBe(LATE_FIELDS.subject);
    expect(message.MessageID).toBe(LATE_FIELDS.messageId);
    expect(message.From?.Address).toBe(LATE_FIELDS.from);
    expect(new Date(message.Date).getTime()).toBe(Date.parse(LATE_FIELDS.date));
  });

  it('the list shows them too, with at most 50 addresses per list and the full counts', async () => {
    const page = await json<{ messages: MessageJson[] }>('/api/v1/messages');
    for (const name of ['field-flood', 'address-flood']) {
      const entry = page.messages.find((m) => m.ID === byName(name).id);
      expect(entry?.Subject, name).toBe(LATE_FIELDS.subject);
      expect(entry?.MessageID, name).toBe(LATE_FIELDS.messageId);
    }
    const flood = page.messages.find((m) => m.ID === byName('address-flood').id);
    expect(flood?.To).toHaveLength(50);
    expect(flood?.To[49]).toEqual({ Name: 'User 49', Address: 'user49@blue.example' });
    expect(flood?.ToCount).toBe(20_000);
    expect(flood?.Cc).toHaveLength(50);
    expect(flood?.CcCount).toBe(20_000);
    const ordinary = page.messages.find((m) => m.ID === byName('ordinary').id);
    expect(ordinary?.To).toEqual([{ Name: '', Address: 'b@blue.example' }]);
    expect(ordinary?.ToCount).toBe(1);
    expect(ordinary?.CcCount).toBe(0);
  });

  it('the message JSON carries up to 1,000 addresses per list, with the full counts', async () => {
    const message = await json<MessageJson>(`/api/v1/message/${byName('address-flood').id}`);
    expect(message.To).toHaveLength(1_000);
    expect(message.To[999]).toEqual({ Name: 'User 999', Address: 'user999@blue.example' });
    expect(message.ToCount).toBe(20_000);
    expect(message.CcCount).toBe(20_000);
  });

  it('ParseError says why the body is the raw text, and is empty for an ordinary message', async () => {
    for (const name of ['field-flood', 'address-flood']) {
      const message = await json<MessageJson>(`/api/v1/message/${byName(name).id}`);
      expect(message.ParseError, name).toMatch(/header block is larger than the parser reads/);
    }
    const ordinary = await json<MessageJson>(`/api/v1/message/${byName('ordinary').id}`);
    expect(ordinary.ParseError).toBe('');
  });

  it('raw, POP3 RETR and IMAP BODY[] are byte-identical', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    await pop.login('catchall');
    const uidl = await pop.multiline('UIDL');
    const numberOf = new Map(uidl.lines.map((l) => l.split(' ')).map(([n, id]) => [id, n]));
    const imap = await ImapBytesClient.open(box.port('imap'));
    for (const [i, { name, raw, id }] of sent.entries()) {
      const response = await fetch(`${http}/api/v1/message/${id}/raw`);
      expect(sha(Buffer.from(await response.arrayBuffer())), name).toBe(sha(raw));
      const retr = await pop.multiline(`RETR ${numberOf.get(id)}`);
      expect(sha(retr.body), name).toBe(sha(raw));
      const body = ImapBytesClient.literalAfter(await imap.expectOk(`FETCH ${i + 1} (BODY.PEEK[])`), 'BODY[]');
      expect(sha(body), name).toBe(sha(raw));
    }
    await pop.command('QUIT');
    pop.close();
    imap.close();
  }, 60_000);
});
