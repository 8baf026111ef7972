import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ListModel } from '../list-model.js';

/** The message list for a search: asked for again when the search changes, a render on every change. */
export function useListModel(query: string): ListModel {
  // The first page is asked for before the first render, so it can arrive (from the
  // preload in index.html) while the app paints its frame.
  const model = useMemo(() => {
    const created = new ListModel();
    void created.reset(query);
    return created;
  }, []);
  const [, setTick] = useState(0);
  useEffect(() => model.subscribe(() => setTick((n) => n + 1)), [model]);

  const asked = useRef(query);
  useEffect(() => {
    if (asked.current === query) return;
    asked.current = query;
    void model.reset(query);
  }, [model, query]);
  return model;
}
