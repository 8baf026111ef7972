import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../server/store/memory-store.js';
import { countReceived, outgoingBytes, receivedLine } from '../../server/relay/outgoing-message.js';
import { dataForWire } from '../../server/relay/smtp-wire.js';

const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 }, clock: () => new Date('2026-11-28T10:00:00Z') });
const message = (raw: string, client = {}) =>
  store.deliver({ raw: Buffer.from(raw, 'latin1'), envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] }, client: { address: '::ffff:10.0.0.7', helo: 'laptop', ...client } });
const stored = async (m: { id: string }) => (await store.readRaw(m.id)) as Buffer;
const options = { hostname: 'red.test', recipients: ['bob@blue.com'], newMessageId: false, overrideFrom: '' };

describe('what release sends', () => {
  it('prepends one Received line and keeps every stored byte', async () => {
    const raw = 'From: a@red.com\r\nSubject: x\r\n\r\nbody\r\n';
    const m = await message(raw);
    const out = outgoingBytes(m, await stored(m), options).toString('latin1');
    expect(out).toBe(`Received: from laptop ([10.0.0.7])\r\n\tby red.test (Letterbox) with ESMTP id ${m.id}\r\n\tfor <bob@blue.com>;\r\n\tSat, 28 Nov 2026 10:00:00 +0000\r\n${raw}`);
    expect(countReceived(Buffer.from(out, 'latin1'))).toBe(1);
  });

  it('names the protocol as RFC 3848 does and keeps client text out of the header structure', async () => {
    const m = await message('Subject: x\r\n\r\n', { helo: 'evil\r\nX-Injected: yes (', secure: true, username: 'u', address: '2001:db8::1' });
    const line = receivedLine(m, { hostname: 'red.test', recipients: ['a@b.c', 'd@e.f'] });
    expect(line).toContain('with ESMTPSA');
    expect(line).toContain('[IPv6:2001:db8::1]');
    expect(line).not.toContain('\r\nX-Injected');
    expect(line).not.toContain('for <');
  });

  it('replaces a folded Message-ID and From only when asked', async () => {
    const raw = 'From: "Alice"\r\n <alice@red.com>\r\nMessage-ID:\r\n <old@red.com>\r\nSubject: s\r\n\r\nFrom: not a header\r\n';
    const m = await message(raw);
    const out = outgoingBytes(m, await stored(m), { ...options, newMessageId: true, overrideFrom: 'robot@red.com' }).toString('latin1');
    const head = out.slice(0, out.indexOf('\r\n\r\n'));
    expect(head).not.toContain('old@red.com');
    expect(head).toMatch(/\r\nMessage-ID: <[0-9a-f]{24}@red\.test>/);
    expect(head).toContain('\r\nFrom: <robot@red.com>');
    expect(head).toContain('\r\nX-Original-From: "Alice"\r\n <alice@red.com>');
    expect(out.endsWith('\r\n\r\nFrom: not a header\r\n')).toBe(true);
  });

  it('adds a Message-ID when the message has none', async () => {
    const m = await message('Subject: s\n\nbare LF body\n');
    const out = outgoingBytes(m, await stored(m), { ...options, newMessageId: true }).toString('latin1');
    expect(out).toMatch(/\nSubject: s\nMessage-ID: <[0-9a-f]+@red\.test>\n\nbare LF body\n$/);
  });
});

describe('DATA on the wire', () => {
  it('ends every line with CRLF, doubles leading dots, and terminates with a lone dot', async () => {
    expect(dataForWire(Buffer.from('a\r\n.b\n..c\r\nd')).toString()).toBe('a\r\n..b\r\n...c\r\nd\r\n.\r\n');
    expect(dataForWire(Buffer.from('.\r\n')).toString()).toBe('..\r\n.\r\n');
    expect(dataForWire(Buffer.alloc(0)).toString()).toBe('.\r\n');
    expect(dataForWire(Buffer.from('a\r\nb')).toString()).toBe('a\r\nb\r\n.\r\n');
    expect(dataForWire(Buffer.from('a\r\n')).toString()).toBe('a\r\n.\r\n');
    expect(dataForWire(Buffer.from('a\r\nb\r')).toString()).toBe('a\r\nb\r\n.\r\n');
  });
});
