import { describe, expect, it } from 'vitest';
import { playStory } from '../../scripts/story.js';

describe('the seed story on loopback', () => {
  for (const relayHop of [true, false]) {
    it(`Alice → red.com → DNS MX → ${relayHop ? 'mx.blue.com → ' : ''}blue.com → Bob over IMAP and POP3`, async () => {
      const lines: string[] = [];
      const result = await playStory({ print: (line) => lines.push(line), relayHop });
      const steps = lines.map((l) => /^(\d)\. /.exec(l)?.[1]).filter(Boolean);
      expect(steps).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
      expect(lines).toContain('      blue.com MX 10 mx.blue.com');
      expect(lines).toContain('      mx.blue.com A/AAAA: 127.0.0.1');
      expect(lines.some((l) => /red\.com S: 250 2\.6\.0 /.test(l))).toBe(true);

      // Bob reads Alice's exact bytes under one Received line per hop, newest on top.
      const hops = relayHop ? 2 : 1;
      expect(result.traceLines).toHaveLength(hops);
      expect(result.traceLines.at(-1)).toMatch(/^Received: from alice-laptop\.red\.com \(\[127\.0\.0\.1\]\)\r\n\tby red\.com \(Letterbox\) with ESMTP id \w+\r\n\tfor <bob@blue\.com>;\r\n\t\w{3}, /);
      if (relayHop) expect(result.traceLines[0]).toMatch(/^Received: from red\.com \(\[127\.0\.0\.1\]\)\r\n\tby mx\.blue\.com \(Letterbox\) with ESMTP id /);
      const trace = Buffer.from(result.traceLines.map((l) => l + '\r\n').join(''), 'latin1');
      expect(result.pop3.equals(Buffer.concat([trace, result.alice]))).toBe(true);
      expect(result.imap?.equals(result.pop3)).toBe(true);
      expect(result.seen).toBe(true);
      expect(result.alice.toString()).toContain('Subject: Lunch on Friday?');
      // POP3 DELE + QUIT of a single-recipient message takes it out of blue.com.
      expect(result.leftAtBlue).toBe(0);
    });
  }
});
