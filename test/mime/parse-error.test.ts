import { describe, expect, it } from 'vitest';
import { parseRaw } from '../../server/mime/parse.js';

/** parseRaw says why its view is not the whole message, in the words of the cap that stopped it. */
const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n');

describe('parse errors', () => {
  it('is empty for a message read whole', async () => {
    expect((await parseRaw(crlf(['Subject: fine', '', 'hello']))).error).toBe('');
  });

  it('names the part-count cap, and the text is the raw message', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 1_200; i++) parts.push('--b', 'Content-Type: text/plain', '', `part ${i}`);
    const raw = crlf(['Subject: many', 'Content-Type: multipart/mixed; boundary="b"', '', ...parts, '--b--']);
    const view = await parseRaw(raw);
    expect(view.error).toMatch(/more MIME parts than the parser reads \(1,000\)/);
    expect(view.text).toBe(raw.toString('utf8'));
  });

  it('names the header-size cap', async () => {
    const flood = Array.from({ length: 20_000 }, (_, i) => `X-Flood-${i}: ${i}`);
    expect((await parseRaw(crlf(['Subject: flood', ...flood, '', 'body']))).error).toMatch(/header block is larger than the parser reads/);
  });
});
