/**
 * UID sets as ascending, disjoint, non-adjacent inclusive ranges: how VANISHED
 * (RFC 7162 §3.2.10) and the expunge history hold sets that may span millions of
 * UIDs without listing each one.
 */
export type UidRange = readonly [from: number, to: number];

/** Runs of UIDs in the order given (ascending UIDs give a normalised set). */
export function rangesOf(uids: readonly number[]): UidRange[] {
  const out: Array<[number, number]> = [];
  for (const uid of uids) {
    const last = out[out.length - 1];
    if (last && uid >= last[0] && uid <= last[1] + 1) last[1] = Math.max(last[1], uid);
    else out.push([uid, uid]);
  }
  return out;
}

/** Sorts and merges ranges given in any order, overlapping or not. */
export function normalise(ranges: Iterable<UidRange>): UidRange[] {
  const sorted = [...ranges].map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a])).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The UIDs in both normalised sets. */
export function intersect(x: readonly UidRange[], y: readonly UidRange[]): UidRange[] {
  const out: UidRange[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const [a1, b1] = x[i] as UidRange;
    const [a2, b2] = y[j] as UidRange;
    const lo = Math.max(a1, a2);
    const hi = Math.min(b1, b2);
    if (lo <= hi) out.push([lo, hi]);
    if (b1 < b2) i++;
    else j++;
  }
  return out;
}

/** The UIDs of a normalised set that are not in ascending `present`. */
export function without(set: readonly UidRange[], present: readonly number[]): UidRange[] {
  const out: UidRange[] = [];
  let p = 0;
  for (const [from, to] of set) {
    let start = from;
    while (p < present.length && (present[p] as number) < from) p++;
    while (p < present.length && (present[p] as number) <= to) {
      const uid = present[p] as number;
      if (uid > start) out.push([start, uid - 1]);
      start = uid + 1;
      p++;
    }
    if (start <= to) out.push([start, to]);
  }
  return out;
}

/** The wire form of a set: `1:3,7`. */
export function formatRanges(set: readonly UidRange[]): string {
  return set.map(([a, b]) => (a === b ? String(a) : `${a}:${b}`)).join(',');
}
