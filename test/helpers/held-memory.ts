import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * What this process still holds (the heap and the buffers outside it), after a full
 * garbage collection. A bound on memory is asked of this, not of RSS: RSS counts what
 * the allocator keeps after freeing, which in a test worker that ran other files first
 * varies by hundreds of megabytes.
 */
export function heldBytes(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}
