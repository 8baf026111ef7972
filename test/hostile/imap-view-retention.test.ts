import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../imap/fixtures.js';
import { ImapBytesClient } from '../helpers/imap-bytes.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/**
 * A selected IMAP session that sends no command (or is slow to) must not keep the
 * messages pruned meanwhile alive: mail that arrived and left before the client was told
 * of it is never announced, so nothing needs to hold it.
 */
describe('IMAP: a quiet selected session does not pin pruned mail', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ maxMessages: 10, maxBytes: 0 });
  });
  afterAll(async () => {
    await box?.stop(0);
  });

  it('messages delivered and pruned while the session was quiet can be collected', async () => {
    const quiet = await ImapBytesClient.open(box.port('imap'), 'quiet@blue.example');
    // Deliver through the store and count the pruned ones as they are collected. A
    // FinalizationRegistry, not WeakRef.deref(): a deref keeps its target alive until the
    // current job ends, so polling with it can pin the very objects it watches.
    let collected = 0;
    const watch = new FinalizationRegistry<void>(() => collected++);
    for (let i = 0; i < 2000; i++) {
      const m = deliver(box.store, `m${i}`, { to: 'quiet@blue.example', body: 'x'.repeat(1000) });
      if (i < 1900) watch.register(m);
    }
    expect(box.store.messages().length).toBe(10);
    // A collector for this test only (vitest workers run without --expose-gc).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // The body indexer holds its queue, and a parse on the worker pool its message, until
    // that work is done: give it event-loop turns (bounded in time, as a loaded machine
    // needs longer), collecting after each, until nothing pruned is reachable.
    const alive = () => 1900 - collected;
    for (const deadline = Date.now() + 15_000; alive() > 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(alive()).toBe(0);
    // And the session then hears only of what is still there.
    const bytes = (await quiet.expectOk('NOOP')).toString('latin1');
    expect(bytes).toMatch(/\* 10 EXISTS/);
    expect(bytes).not.toMatch(/EXPUNGE/);
    quiet.close();
  });
});
