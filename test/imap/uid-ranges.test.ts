import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { formatRanges, intersect, normalise, rangesOf, without, type UidRange } from '../../server/imap/uid-ranges.js';

/** The UIDs a set of ranges holds, listed one by one: the reference model. */
const members = (ranges: readonly UidRange[]) => ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i));
const sortedUnique = (uids: Iterable<number>) => [...new Set(uids)].sort((a, b) => a - b);

const uid = fc.integer({ min: 1, max: 60 });
const ranges = fc.array(fc.tuple(uid, uid), { maxLength: 8 });
const uids = fc.array(uid, { maxLength: 20 });

describe('UID ranges (VANISHED sets)', () => {
  test.prop([ranges])('normalise keeps the same UIDs in ascending, disjoint, non-adjacent ranges', (given) => {
    const out = normalise(given);
    expect(members(out)).toEqual(sortedUnique(given.flatMap(([a, b]) => members([a <= b ? [a, b] : [b, a]]))));
    out.slice(1).forEach(([from], i) => expect(from).toBeGreaterThan((out[i] as UidRange)[1] + 1));
  });

  test.prop([ranges, ranges])('intersect holds the UIDs in both', (x, y) => {
    const both = new Set(members(normalise(y)));
    expect(members(intersect(normalise(x), normalise(y)))).toEqual(members(normalise(x)).filter((u) => both.has(u)));
  });

  test.prop([ranges, uids])('without drops the UIDs present', (x, present) => {
    const gone = new Set(present);
    expect(members(without(normalise(x), sortedUnique(present)))).toEqual(members(normalise(x)).filter((u) => !gone.has(u)));
  });

  test.prop([uids])('rangesOf and formatRanges write ascending UIDs as the RFC 3501 sequence-set', (given) => {
    const ascending = sortedUnique(given);
    const text = formatRanges(rangesOf(ascending));
    const parsed = text === '' ? [] : text.split(',').flatMap((part) => {
      const [a, b = a] = part.split(':').map(Number);
      return members([[a as number, b as number]]);
    });
    expect(parsed).toEqual(ascending);
  });
});
