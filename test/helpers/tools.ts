import { spawnSync } from 'node:child_process';

/**
 * Whether a system tool is on PATH. Tests that need one skip with a visible reason
 * when it is missing; under CI=true a missing tool is a failure, so CI cannot go
 * green by skipping.
 */
export function hasTool(tool: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${JSON.stringify(tool)}`], { encoding: 'utf8' }).status === 0;
  if (!found && process.env.CI === 'true') {
    throw new Error(`${tool} is required under CI=true but is not installed (see .ci/run)`);
  }
  if (!found) console.warn(`skipping tests that need ${tool}: it is not installed`);
  return found;
}

/** `describe.runIf(requireTool('curl'))(…)` reads as what it means. */
export const requireTool = hasTool;
