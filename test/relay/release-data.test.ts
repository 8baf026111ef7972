/**
 * What release sends is valid SMTP DATA (RFC 5321 §2.3.8, §4.5.2): every CR followed by
 * LF, every LF preceded by CR, lines starting with "." doubled, so a bare CR or LF in a
 * caught message cannot end the DATA early at a server that reads it as a line end
 * (the SMTP smuggling shape). The stored message stays byte-exact. Asserted on the
 * bytes the loopback destination read.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receivedLine } from '../../server/relay/outgoing-message.js';
import { DataEncoder, encodeData } from '../../server/transfer/dot-stuff.js';
import type { StoredMessage } from '../../server/store/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startSink, type SmtpSink } from './smtp-sink.js';

let dns: TestDnsServer;
let sink: SmtpSink;
let box: TestSandbox;

beforeAll(async () => {
  dns = await startDnsServer({ mx: { 'blue.com': [{ preference: 10, exchange: 'mx.blue.com' }] }, a: { 'mx.blue.com': ['127.0.0.1'] } });
  sink = await startSink();
  box = await startTestSandbox({ hostname: 'red.test', releaseMx: true, releaseAllowPrivate: true, releaseAllow: ['blue.com'], dnsServer: dns.address, releasePort: sink.port, releaseRate: null });
});
afterAll(async () => {
  await Promise.all([box.stop(0), sink.close()]);
  await dns.close();
});

/** The message bytes of the one DATA on the wire: from after `DATA` to the terminating `CRLF.CRLF`, its final CRLF kept. */
function dataOnWire(wire: string): string {
  const start = wire.indexOf('\r\nDATA\r\n');
  expect(start, 'a DATA command was sent').toBeGreaterThanOrEqual(0);
  const from = start + '\r\nDATA\r\n'.length;
  const end = wire.indexOf('\r\n.\r\n', from);
  expect(end, 'the DATA was terminated').toBeGreaterThanOrEqual(0);
  return wire.slice(from, end + 2);
}

/** RFC 5321 §4.5.2, receiver side: a line's first "." is dropped. */
const unstuff = (data: string) => data.replace(/(^|\r\n)\./g, '$1');
/** Every line end as CRLF, and one at the end (the terminator needs it). */
const crlfLines = (text: string) => {
  const lines = text.replace(/\r\n|\r|\n/g, '\r\n');
  return lines === '' || lines.endsWith('\r\n') ? lines : lines + '\r\n';
};
const isValidData = (data: string) => !/\r(?!\n)|(?<!\r)\n/.test(data);

async function releaseAndRead(raw: Buffer): Promise<{ message: StoredMessage; data: string }> {
  const message = await box.store.deliver({ raw, envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] } });
  sink.clearWire();
  const response = await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/message/${message.id}/release`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"To":["bob@blue.com"]}' });
  expect(await response.text()).toBe('ok');
  return { message, data: dataOnWire(sink.wire()) };
}

async function expectSentAsStored(message: StoredMessage, raw: Buffer, data: string): Promise<void> {
  expect(isValidData(data), JSON.stringify(data)).toBe(true);
  const trace = receivedLine(message, { hostname: 'red.test', recipients: ['bob@blue.com'] });
  expect(unstuff(data)).toBe(trace + crlfLines(raw.toString('latin1')));
  expect(sink.messages.at(-1)?.raw.toString('latin1')).toBe(unstuff(data));
  // Only the copy on the wire was changed.
  expect((await box.store.readRaw(message.id))?.equals(raw)).toBe(true);
}

describe('released bytes are valid DATA', () => {
  it('turns bare CR and bare LF into CRLF, so a smuggled end of DATA stays in the body', async () => {
    const raw = Buffer.from('From: alice@red.com\r\nSubject: smuggle\r\n\r\nHi\r\n.\rMAIL FROM:<eve@evil.com>\r\n\n.\nRCPT TO:<x@y.z>\rend');
    const { message, data } = await releaseAndRead(raw);
    expect(data.endsWith('Hi\r\n..\r\nMAIL FROM:<eve@evil.com>\r\n\r\n..\r\nRCPT TO:<x@y.z>\r\nend\r\n')).toBe(true);
    await expectSentAsStored(message, raw, data);
    expect(sink.messages.at(-1)?.rcptTo).toEqual(['bob@blue.com']);
  });

  const piece = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('\r', '\n', '\r\n', '\n\r', '.', '..', '\r.', '\n.', '\r\n.\r\n', '\r.\r', '\n.\n', 'a', 'From: x', ' ') },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => Buffer.from(s).toString('latin1')) },
  );
  const body = fc.array(piece, { maxLength: 40 }).map((parts) => Buffer.from('Subject: random\r\n\r\n' + parts.join(''), 'latin1'));

  test.prop([body], { numRuns: 40 })('for any mix of bare CR and LF: valid DATA that un-stuffs to the stored bytes with CRLF line ends', async (raw) => {
    const { message, data } = await releaseAndRead(raw);
    await expectSentAsStored(message, raw, data);
  });
});

describe('the DATA encoder streams', () => {
  const bytes = fc.array(fc.constantFrom(0x0d, 0x0a, 0x2e, 0x61), { maxLength: 60 }).map((b) => Buffer.from(b));

  test.prop([bytes, fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom('crlf' as const, 'keep' as const)], { numRuns: 500 })(
    'gives the same bytes whatever the chunks',
    (raw, cuts, lineEnds) => {
      const points = [...new Set(cuts.map((c) => c % (raw.length + 1)))].sort((a, b) => a - b);
      const encoder = new DataEncoder(lineEnds);
      const out: Buffer[] = [];
      let at = 0;
      for (const point of [...points, raw.length]) {
        out.push(encoder.push(raw.subarray(at, point)));
        at = point;
      }
      out.push(encoder.end());
      expect(Buffer.concat(out).toString('latin1')).toBe(encodeData(raw, lineEnds).toString('latin1'));
    },
  );

  it('keeps line ends when asked, for the CLI', () => {
    expect(encodeData(Buffer.from('a\n.b\r.c\r\n'), 'keep').toString()).toBe('a\n..b\r.c\r\n.\r\n');
    expect(encodeData(Buffer.from('a\n'), 'keep').toString()).toBe('a\n\r\n.\r\n');
  });
});
