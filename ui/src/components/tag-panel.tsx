import { useEffect, useRef, useState } from 'preact/hooks';
import { getTagCounts } from '../api.js';
import { tagQuery } from '../tag-query.js';

/** How long changes are gathered before the counts are asked for again (a burst of mail asks once). */
const COALESCE_MS = 300;

/** Tag counts, asked for again a moment after the list changes (`changes` moves). */
function useTagCounts(changes: number): Array<[string, number]> {
  const [counts, setCounts] = useState<Array<[string, number]>>([]);
  const asked = useRef(false);
  useEffect(() => {
    let live = true;
    const ask = () =>
      getTagCounts().then(
        (next) => live && setCounts(next),
        () => undefined,
      );
    // The first answer is wanted at once, so the panel does not pop in late.
    const timer = setTimeout(ask, asked.current ? COALESCE_MS : 0);
    asked.current = true;
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [changes]);
  return counts;
}

/** Every tag in use with its count; choosing one searches `tag:NAME`, choosing it again clears the search. */
export function TagPanel({ changes, query, onSearch }: { changes: number; query: string; onSearch: (query: string) => void }) {
  const counts = useTagCounts(changes);
  if (counts.length === 0) return null;
  return (
    <nav class="tag-panel" aria-label="Tags">
      <ul>
        {counts.map(([tag, count]) => {
          const active = query === tagQuery(tag);
          return (
            <li key={tag}>
              <button type="button" class="tag tag-filter" aria-pressed={active} onClick={() => onSearch(active ? '' : tagQuery(tag))}>
                {tag}
                <span class="tag-count">
                  <span class="sr-only">, </span>
                  {count}
                  <span class="sr-only">{count === 1 ? ' message' : ' messages'}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
