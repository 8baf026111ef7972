import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadTls, type TlsMaterial } from '../../server/lib/tls.js';
import { createSmtpClient, type SmtpClient, type SmtpTarget, type SmtpTransaction } from '../../server/relay/smtp-client.js';
import { startSink, type SinkBehaviour, type SmtpSink } from './smtp-sink.js';

const message = Buffer.from('From: alice@red.com\r\nTo: bob@blue.com\r\nSubject: hi\r\n\r\nHello Bob.\r\n.leading dot\r\n');
/** QUITs after every transaction, so each test sees whole sessions. */
const nodeSmtpClient = createSmtpClient({ keepAliveMs: 0, maxIdlePerTarget: 0 });
const timeouts = { connect: 2_000, greeting: 400, command: 400, data: 400 };
let sinks: SmtpSink[] = [];
let tls: TlsMaterial;

beforeAll(async () => {
  tls = (await loadTls({ mode: 'self-signed', certFile: '', keyFile: '', hostname: 'sink.test' })) as TlsMaterial;
});

afterEach(async () => {
  await Promise.all(sinks.map((s) => s.close()));
  sinks = [];
});

async function sink(behaviour: SinkBehaviour = {}): Promise<SmtpSink> {
  const s = await startSink(behaviour);
  sinks.push(s);
  return s;
}

function send(port: number, rcptTo: string[], target: Partial<SmtpTarget> = {}, client: SmtpClient = nodeSmtpClient): Promise<Awaited<ReturnType<SmtpClient['send']>>> {
  const transaction: SmtpTransaction = {
    target: { host: '127.0.0.1', port, servername: 'sink.test', tls: 'opportunistic', verifyCertificate: false, ...target },
    helo: 'red.test',
    mailFrom: 'alice@red.com',
    rcptTo,
    data: message,
    timeouts,
  };
  return client.send(transaction);
}

describe('one SMTP transaction to a real server', () => {
  it('delivers the exact bytes and keeps the transcript', async () => {
    const s = await sink();
    const result = await send(s.port, ['bob@blue.com']);
    expect(result.recipients).toEqual([{ address: 'bob@blue.com', status: 'delivered', reply: expect.stringMatching(/^250 /) }]);
    expect(result.tryNextHost).toBe(false);
    expect(s.messages[0]?.raw.equals(message)).toBe(true);
    expect(s.messages[0]?.mailFrom).toBe('alice@red.com');
    expect(result.transcript[1]).toMatch(/^S: 220 /);
    expect(result.transcript).toContain('C: EHLO red.test');
    expect(result.transcript).toContain('C: MAIL FROM:<alice@red.com>');
    expect(result.transcript).toContain('C: RCPT TO:<bob@blue.com>');
    expect(result.transcript.at(-1)).toMatch(/^S: 221 /);
  });

  it('upgrades with STARTTLS when offered (opportunistic)', async () => {
    const s = await sink({ tls });
    const result = await send(s.port, ['bob@blue.com']);
    expect(result.tls).toBe(true);
    expect(s.messages[0]?.secure).toBe(true);
    expect(result.transcript).toContain('C: STARTTLS');
  });

  it('refuses to go on in plain text when TLS is required and not offered', async () => {
    const s = await sink();
    const result = await send(s.port, ['bob@blue.com'], { tls: 'required' });
    expect(result.recipients[0]?.status).toBe('temporary');
    expect(result.recipients[0]?.reply).toMatch(/does not offer STARTTLS/);
    expect(s.messages).toHaveLength(0);
  });

  it('authenticates with AUTH PLAIN and masks the password in the transcript', async () => {
    const s = await sink({ tls, auth: { user: 'relay', password: 's3cret' } });
    const result = await send(s.port, ['bob@blue.com'], { tls: 'required', auth: { user: 'relay', password: 's3cret' } });
    expect(result.recipients[0]?.status).toBe('delivered');
    expect(s.messages[0]?.user).toBe('relay');
    expect(result.transcript.join('\n')).not.toContain(Buffer.from('\0relay\0s3cret').toString('base64'));
    expect(result.transcript).toContain('C: AUTH PLAIN ****');
  });

  it('authenticates with AUTH LOGIN when the server offers only that, masking both answers', async () => {
    const s = await sink({ tls, auth: { user: 'relay', password: 's3cret' }, authMethods: ['LOGIN'] });
    const result = await send(s.port, ['bob@blue.com'], { tls: 'required', auth: { user: 'relay', password: 's3cret' } });
    expect(result.recipients[0]?.status).toBe('delivered');
    expect(s.messages[0]?.user).toBe('relay');
    expect(result.transcript).toEqual(expect.arrayContaining(['C: AUTH LOGIN', 'C: **** (user)', 'C: **** (password)']));
    expect(result.transcript.join('\n')).not.toContain(Buffer.from('s3cret').toString('base64'));
  });

  it('speaks TLS from the first byte to an implicit-TLS server (RFC 8314), without STARTTLS', async () => {
    const s = await sink({ tls, implicitTls: true, auth: { user: 'relay', password: 's3cret' } });
    const result = await send(s.port, ['bob@blue.com'], { tls: 'implicit', auth: { user: 'relay', password: 's3cret' } });
    expect(result.recipients[0]?.status).toBe('delivered');
    expect(result.tls).toBe(true);
    expect(s.messages[0]?.secure).toBe(true);
    expect(result.transcript).not.toContain('C: STARTTLS');
  });

  it('reports a wrong password as a permanent failure', async () => {
    const s = await sink({ auth: { user: 'relay', password: 's3cret' } });
    const result = await send(s.port, ['bob@blue.com'], { auth: { user: 'relay', password: 'wrong' } });
    expect(result.recipients[0]).toMatchObject({ status: 'permanent', reply: expect.stringContaining('535') });
  });

  it('keeps per-recipient outcomes when one recipient of three is refused', async () => {
    const s = await sink({ rcpt: (address) => (address === 'nobody@blue.com' ? { code: 550, message: '5.1.1 No such user' } : null) });
    const result = await send(s.port, ['bob@blue.com', 'nobody@blue.com', 'carol@blue.com']);
    expect(result.recipients.map((r) => [r.address, r.status])).toEqual([
      ['bob@blue.com', 'delivered'],
      ['nobody@blue.com', 'permanent'],
      ['carol@blue.com', 'delivered'],
    ]);
    expect(result.recipients[1]?.reply).toBe('550 5.1.1 No such user');
    expect(s.messages[0]?.rcptTo).toEqual(['bob@blue.com', 'carol@blue.com']);
  });

  it('maps 4xx to temporary and 5xx to permanent', async () => {
    const temp = await sink({ rcpt: () => ({ code: 451, message: '4.3.0 Try later' }) });
    const perm = await sink({ data: () => ({ code: 554, message: '5.7.1 Rejected' }) });
    expect((await send(temp.port, ['bob@blue.com'])).recipients[0]).toMatchObject({ status: 'temporary', reply: '451 4.3.0 Try later' });
    expect((await send(perm.port, ['bob@blue.com'])).recipients[0]).toMatchObject({ status: 'permanent', reply: '554 5.7.1 Rejected' });
  });

  it('treats a connection dropped mid-DATA as temporary and moves on to the next host', async () => {
    const s = await sink({ data: () => 'drop' });
    const result = await send(s.port, ['bob@blue.com']);
    expect(result.recipients[0]).toMatchObject({ status: 'temporary', reply: expect.stringMatching(/closed|ECONNRESET|socket/i) });
    expect(result.tryNextHost).toBe(true);
  });

  it('gives up on a server that stalls past the data timeout', async () => {
    const s = await sink({ data: () => 'stall' });
    const result = await send(s.port, ['bob@blue.com']);
    expect(result.recipients[0]).toMatchObject({ status: 'temporary', reply: `no reply to the message data within ${timeouts.data} ms` });
  });

  it('gives up on a server that stalls past the command timeout', async () => {
    const s = await sink({ mail: () => 'stall' });
    const result = await send(s.port, ['bob@blue.com']);
    expect(result.recipients[0]).toMatchObject({ status: 'temporary', reply: `no reply to MAIL within ${timeouts.command} ms` });
    expect(s.messages).toHaveLength(0);
  });

  it('gives up on a server that never greets', async () => {
    const s = await sink({ connect: () => 'stall' });
    const result = await send(s.port, ['bob@blue.com']);
    expect(result.recipients[0]).toMatchObject({ status: 'temporary', reply: `no reply to the greeting within ${timeouts.greeting} ms` });
    expect(result.tryNextHost).toBe(true);
  });

  it('reports a refused connection as temporary, to try the next host', async () => {
    const s = await sink();
    const port = s.port;
    await s.close();
    sinks = [];
    const result = await send(port, ['bob@blue.com']);
    expect(result.recipients[0]).toMatchObject({ status: 'temporary', reply: expect.stringContaining('ECONNREFUSED') });
    expect(result.tryNextHost).toBe(true);
  });
});

describe('connections kept open between transactions', () => {
  it('sends the next message on the same connection, envelope pipelined (RFC 2920)', async () => {
    let connections = 0;
    const s = await sink({ connect: () => (connections++, null) });
    const client = createSmtpClient({ keepAliveMs: 10_000, maxIdlePerTarget: 2 });
    try {
      const first = await send(s.port, ['bob@blue.com'], {}, client);
      const second = await send(s.port, ['carol@blue.com', 'nobody@blue.com'], {}, client);
      expect([first, second].map((r) => r.recipients.every((x) => x.status === 'delivered'))).toEqual([true, true]);
      expect(connections).toBe(1);
      expect(second.transcript.slice(0, 5)).toEqual([
        `-- reusing the open connection to 127.0.0.1:${s.port}`,
        'C: MAIL FROM:<alice@red.com>',
        'C: RCPT TO:<carol@blue.com>',
        'C: RCPT TO:<nobody@blue.com>',
        'C: DATA',
      ]);
      expect(s.messages.map((m) => m.rcptTo)).toEqual([['bob@blue.com'], ['carol@blue.com', 'nobody@blue.com']]);
    } finally {
      await client.close();
    }
  });

  it('keeps per-recipient outcomes with pipelining, and the connection stays usable after all are refused', async () => {
    let connections = 0;
    const s = await sink({ connect: () => (connections++, null), rcpt: (address) => (address.startsWith('nobody') ? { code: 550, message: '5.1.1 No such user' } : null) });
    const client = createSmtpClient({ keepAliveMs: 10_000, maxIdlePerTarget: 2 });
    try {
      await send(s.port, ['bob@blue.com'], {}, client);
      const refused = await send(s.port, ['nobody@blue.com'], {}, client);
      expect(refused.recipients[0]).toMatchObject({ status: 'permanent', reply: '550 5.1.1 No such user' });
      expect(refused.transcript).toContain('C: RSET');
      const mixed = await send(s.port, ['nobody@blue.com', 'bob@blue.com'], {}, client);
      expect(mixed.recipients.map((r) => r.status)).toEqual(['permanent', 'delivered']);
      expect(connections).toBe(1);
      expect(s.messages.map((m) => m.rcptTo)).toEqual([['bob@blue.com'], ['bob@blue.com']]);
    } finally {
      await client.close();
    }
  });

  it('connects again when the kept connection answers 421 (closing) to the next transaction', async () => {
    let connections = 0;
    const s = await sink({ connect: () => (connections++, null), mail: (transaction) => (transaction > 1 ? { code: 421, message: '4.4.2 Idle too long, closing' } : null) });
    const client = createSmtpClient({ keepAliveMs: 10_000, maxIdlePerTarget: 2 });
    try {
      await send(s.port, ['bob@blue.com'], {}, client);
      const again = await send(s.port, ['carol@blue.com'], {}, client);
      expect(again.recipients[0]?.status).toBe('delivered');
      expect(again.transcript).toContain('-- the kept connection had been closed by the server; connecting again');
      expect(connections).toBe(2);
      expect(s.messages.map((m) => m.rcptTo)).toEqual([['bob@blue.com'], ['carol@blue.com']]);
    } finally {
      await client.close();
    }
  });

  it('connects again when the server closed the kept connection', async () => {
    let connections = 0;
    const s = await sink({ connect: () => (connections++, null) });
    const client = createSmtpClient({ keepAliveMs: 10_000, maxIdlePerTarget: 2 });
    try {
      await send(s.port, ['bob@blue.com'], {}, client);
      s.dropConnections();
      const again = await send(s.port, ['bob@blue.com'], {}, client);
      expect(again.recipients[0]?.status).toBe('delivered');
      expect(connections).toBe(2);
      expect(s.messages).toHaveLength(2);
    } finally {
      await client.close();
    }
  });
});
