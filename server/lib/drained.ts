import type { Writable } from 'node:stream';

/**
 * Resolves true once `stream` drains, false once it closes (or at once when it is
 * already destroyed): a writer waiting for a reader that has gone must not wait forever.
 */
export function drainedOrClosed(stream: Writable): Promise<boolean> {
  if (stream.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (drained: boolean) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      resolve(drained);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    stream.on('drain', onDrain);
    stream.on('close', onClose);
  });
}
