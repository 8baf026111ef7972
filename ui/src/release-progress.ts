/**
 * Release progress heard on the live stream (`release` frames: a step of a release of
 * a message, on whichever node runs it), for a view that shows one message's releases
 * (ReleaseDialog) to read them again as they change.
 */
const watchers = new Set<(messageId: string) => void>();

/** Calls `watcher` with the message id of each release step heard; returns the unwatch. */
export function watchReleases(watcher: (messageId: string) => void): () => void {
  watchers.add(watcher);
  return () => watchers.delete(watcher);
}

/** Tells the watchers of a step of a release of message `messageId`. */
export function releaseHeard(messageId: string): void {
  for (const watcher of [...watchers]) watcher(messageId);
}
