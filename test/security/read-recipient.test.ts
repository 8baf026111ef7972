import { describe, expect, it } from 'vitest';
import { readRecipient } from '../../server/security/mailbox.js';

describe('readRecipient: an address as a release caller writes it', () => {
  it('takes a bare address, an angle-addr or a name-addr, with spaces around it', () => {
    for (const text of ['bob@blue.example', ' bob@blue.example  ', '<bob@blue.example>', 'Bob <bob@blue.example>', 'Bob < bob@blue.example >']) {
      expect(readRecipient(text), text).toBe('bob@blue.example');
    }
  });

  it('refuses what trim() would quietly take off: other spaces and separators are part of the text', () => {
    for (const text of ['bob@blue.example\u2028', '\u00a0bob@blue.example', 'bob@blue.example\u3000', '\ufeffbob@blue.example', 'Bob <bob@blue.example\u2029>']) {
      expect(readRecipient(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it('reads an address inside a long run of spaces at once (a release body may hold megabytes)', () => {
    const spaces = ' '.repeat(200_000);
    expect(readRecipient(`${spaces}bob@blue.example${spaces}`)).toBe('bob@blue.example');
    expect(readRecipient(`a${spaces}a`)).toBeUndefined();
    // Trimmed by a regex, the second call took minutes: past the test's time limit.
  });
});
