/** Helpers for arrays kept sorted by an ascending numeric key (arrival seq, folder UID). */

/** Index of the item whose key is `key`, or -1. */
export function indexByKey<T>(items: readonly T[], key: number, keyOf: (item: T) => number): number {
  let low = 0;
  let high = items.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const midKey = keyOf(items[mid] as T);
    if (midKey === key) return mid;
    if (midKey < key) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/** Index of the first item whose key is >= `key` (items.length when none). */
export function lowerBound<T>(items: readonly T[], key: number, keyOf: (item: T) => number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keyOf(items[mid] as T) < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Removes every item whose key is in `keys`, in place, and returns the removed items.
 * One pass for many keys; a binary search each for a few.
 */
export function removeByKeys<T>(items: T[], keys: ReadonlySet<number>, keyOf: (item: T) => number): T[] {
  const removed: T[] = [];
  if (keys.size === 0) return removed;
  if (keys.size <= 8) {
    for (const key of keys) {
      const index = indexByKey(items, key, keyOf);
      // Pruning takes the oldest, at the front: shift() is O(1) in V8 (the backing store is
      // trimmed in place) where splice(0, 1) copies the whole array, ~20 µs at 5,000 items.
      if (index === 0) removed.push(items.shift() as T);
      else if (index > 0) removed.push(...items.splice(index, 1));
    }
    return removed.sort((a, b) => keyOf(a) - keyOf(b));
  }
  let write = 0;
  for (const item of items) {
    if (keys.has(keyOf(item))) removed.push(item);
    else items[write++] = item;
  }
  items.length = write;
  return removed;
}
