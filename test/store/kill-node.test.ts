import { describe, expect, it } from 'vitest';
import { killNodeRun } from '../helpers/kill-node-run.js';
import { hasPostgres, startPostgres } from '../helpers/postgres.js';

describe.runIf(hasPostgres())('a node killed with SIGKILL mid-ingest (issue #15)', () => {
  it('loses no message that got a 250, and the restarted node catches up', async () => {
    const postgres = await startPostgres();
    try {
      const run = await killNodeRun(postgres.url, { messages: 300, sessions: 8 });
      // The kill fell mid-ingest: both nodes went on accepting after it.
      expect(run.acceptedAfterKill).toBeGreaterThan(0);
      expect(run.caughtUp).toBe(true);
      const missing = (where: Set<string>) => [...run.accepted].filter((id) => !where.has(id));
      expect(missing(run.inDatabase)).toEqual([]);
      expect(missing(run.onA)).toEqual([]);
      expect(missing(run.onB)).toEqual([]);
      // One sandbox: the same ids everywhere (with the marker, and any message committed whose 250 the kill cut off).
      expect([...run.onA].sort()).toEqual([...run.onB].sort());
      expect([...run.onB].sort()).toEqual([...run.inDatabase].sort());
    } finally {
      await postgres.stop();
    }
  }, 240_000);
});
