import { describe, expect, it } from 'vitest';
import { ReleaseHistory, type ReleaseRecord } from '../../server/relay/release-history.js';

let next = 0;
const release = (messageId: string): ReleaseRecord => ({
  id: `r${++next}`,
  messageId,
  trigger: 'api',
  requestedAt: new Date(0),
  mode: 'mx',
  sender: 'app@red.com',
  recipients: [],
  attempts: [],
  state: 'done',
});

describe('ReleaseHistory', () => {
  it('keeps the latest 50 releases of a message, and counts what it keeps', () => {
    const history = new ReleaseHistory();
    const first = Array.from({ length: 52 }, () => release('a'));
    for (const record of first) history.add(record);
    for (let i = 0; i < 3; i++) history.add(release('b'));
    expect(history.of('a')).toEqual(first.slice(2));
    expect(history.releases).toBe(53);
    expect([...history.records()]).toHaveLength(53);
    history.forget('a');
    expect(history.releases).toBe(3);
    history.forgetAll();
    expect(history.releases).toBe(0);
  });
});
