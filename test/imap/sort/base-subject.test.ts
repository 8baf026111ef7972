import { describe, expect, it } from 'vitest';
import { baseSubject } from '../../../server/imap/sort/base-subject.js';

describe('baseSubject (RFC 5256 §2.1)', () => {
  it('drops leaders, blobs and trailers, and keeps a blob that is all there is', () => {
    expect(baseSubject('[PATCH] [v2] Re: hello (fwd)')).toEqual({ text: 'HELLO', reply: true });
    expect(baseSubject('[a] [b] plain')).toEqual({ text: 'PLAIN', reply: false });
    expect(baseSubject('[a] [b]')).toEqual({ text: '[B]', reply: false });
    expect(baseSubject('[fwd: [x] Fw: y]')).toEqual({ text: 'Y', reply: true });
  });

  it('a subject of many blobs costs its length, not its length squared (40,000 blobs took 5 s)', () => {
    const started = Date.now();
    expect(baseSubject(`${'[a] '.repeat(40_000)}end`)).toEqual({ text: 'END', reply: false });
    expect(baseSubject(`${'[a]'.repeat(40_000)}`)).toEqual({ text: '[A]', reply: false });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
