import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { Pop3Dialogue } from './pop3-dialogue.js';

interface ApiList {
  total: number;
  messages: Array<{ ID: string; Subject: string }>;
}

/**
 * The seed story, steps 6–8 (DESIGN.md): mail sent over SMTP lands in each recipient's
 * maildrop; Bob downloads his over POP3 and deletes it; a message also addressed to
 * Carol stays for her; the API and its WebSocket reflect both.
 */
describe('the seed story over POP3', () => {
  let box: TestSandbox;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    box = await startTestSandbox();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), secure: false, ignoreTLS: true });
    const send = async (subject: string, to: string[]) => {
      const info = await transport.sendMail({ from: 'alice@red.com', to, subject, text: `${subject}\n.a line starting with a dot\n` });
      ids[subject] = /queued as ([0-9A-Za-z]+)/.exec(info.response)?.[1] ?? '';
    };
    await send('for Bob', ['bob@blue.com']);
    await send('for Bob and Carol', ['bob@blue.com', 'carol@blue.com']);
    await send('for Carol', ['carol@blue.com']);
    await send('for Dan at red', ['dan@red.com']);
    transport.close();
  });
  afterAll(() => box.stop(0));

  const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/${path}`);
    return { status: response.status, body: (await response.json()) as T };
  };
  const apiStatus = async (path: string) => (await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/${path}`)).status;

  const subjects = async (pop: Pop3Dialogue) => {
    const uidl = await pop.multiline('UIDL');
    return uidl.lines.map((line) => Object.entries(ids).find(([, id]) => id === line.split(' ')[1])?.[0]);
  };

  it('Bob sees only his mail, downloads and deletes it; Carol keeps the shared one; the API and WebSocket agree', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${box.port('http')}/api/events`);
    const deleted: string[] = [];
    const firstDelete = new Promise<void>((resolve) => {
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { Type: string; Data: { ID?: string } | null };
        if (frame.Type === 'delete' && frame.Data?.ID) {
          deleted.push(frame.Data.ID);
          resolve();
        }
      });
    });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));

    const bob = await Pop3Dialogue.open(box.port('pop3'));
    await bob.login('bob@blue.com');
    expect(await subjects(bob)).toEqual(['for Bob', 'for Bob and Carol']);
    const retr = await bob.multiline('RETR 1');
    expect(retr.body.equals((await box.store.readRaw(ids['for Bob'] ?? '')) ?? Buffer.alloc(0))).toBe(true);
    expect(retr.body.toString()).toContain('\r\n.a line starting with a dot');
    await bob.command('DELE 1');
    await bob.command('DELE 2');
    expect(await bob.command('QUIT')).toBe('+OK Letterbox POP3 server signing off (2 messages deleted)');
    await bob.closed;

    // Bob's only message left the store: the API no longer has it, and WebSocket clients heard.
    await firstDelete;
    expect(deleted).toEqual([ids['for Bob']]);
    ws.close();
    expect(await apiStatus(`message/${ids['for Bob']}`)).toBe(404);
    expect(await apiStatus(`message/${ids['for Bob and Carol']}`)).toBe(200);
    const list = await api<ApiList>('messages');
    expect(list.body.messages.map((m) => m.Subject).sort()).toEqual(['for Bob and Carol', 'for Carol', 'for Dan at red']);

    // Gone for Bob…
    const again = await Pop3Dialogue.open(box.port('pop3'));
    expect(await again.login('bob@blue.com')).toBe('+OK Maildrop has 0 messages (0 octets)');
    again.close();
    // …but the message also addressed to Carol stays for her.
    const carol = await Pop3Dialogue.open(box.port('pop3'));
    await carol.login('carol@blue.com');
    expect(await subjects(carol)).toEqual(['for Bob and Carol', 'for Carol']);
    carol.close();
    expect(box.store.folder('bob@blue.com', 'INBOX')?.entries).toHaveLength(0);
    expect(box.store.folder('carol@blue.com', 'INBOX')?.entries.map((e) => e.message.id)).toEqual([ids['for Bob and Carol'], ids['for Carol']]);
  });

  it('the catch-all login sees everything, and its DELE deletes everywhere (like the web inbox)', async () => {
    const admin = await Pop3Dialogue.open(box.port('pop3'));
    await admin.login('admin');
    expect(await subjects(admin)).toEqual(['for Bob and Carol', 'for Carol', 'for Dan at red']);
    await admin.command('DELE 1');
    await admin.command('QUIT');
    await admin.closed;
    expect(box.store.get(ids['for Bob and Carol'] ?? '')).toBeUndefined();
    expect(box.store.folder('carol@blue.com', 'INBOX')?.entries.map((e) => e.message.id)).toEqual([ids['for Carol']]);
    expect((await api<ApiList>('messages')).body.total).toBe(2);
  });
});
