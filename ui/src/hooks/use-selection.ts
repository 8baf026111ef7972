import { useEffect, useRef, useState } from 'preact/hooks';
import type { Selection } from '../api.js';
import type { ListModel } from '../list-model.js';

export interface SelectionState {
  /** Messages picked one by one. */
  selected: Set<string>;
  /** Every message the list holds (all of the search's matches), picked at once. */
  allSelected: boolean;
  /** The keyboard's row in the list. */
  cursor: number;
  setCursor(update: number | ((c: number) => number)): void;
  hasSelection: boolean;
  /** How many messages the selection covers. */
  count: number;
  /** Picks or unpicks one; with `range`, every row from the last one toggled. */
  toggle(id: string, index: number, range: boolean): void;
  selectAll(all: boolean): void;
  /** Unpicks every one picked by hand. */
  unpick(): void;
  /** A message that is gone is no longer picked. */
  forget(id: string): void;
  /** What a bulk action applies to: the picked IDs, the search's matches, or everything. */
  targets(): Selection;
}

/** Which messages are picked for a bulk action, and the keyboard cursor; a new search starts both afresh. */
export function useSelection(model: ListModel, query: string): SelectionState {
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [allSelected, setAllSelected] = useState(false);
  const [cursor, setCursor] = useState(0);
  const [anchor, setAnchor] = useState(-1);

  const listed = useRef(query);
  useEffect(() => {
    if (listed.current === query) return;
    listed.current = query;
    setSelected(new Set());
    setAllSelected(false);
    setCursor(0);
  }, [query]);

  const toggle = (id: string, index: number, range: boolean) => {
    const next = new Set(allSelected ? model.items.filter((m) => m !== null).map((m) => m.ID) : selected);
    if (range && anchor >= 0) {
      const on = !next.has(id);
      for (let i = Math.min(anchor, index); i <= Math.max(anchor, index); i++) {
        const m = model.items[i];
        if (m) on ? next.add(m.ID) : next.delete(m.ID);
      }
    } else if (next.has(id)) next.delete(id);
    else next.add(id);
    setAnchor(index);
    setAllSelected(false);
    setSelected(next);
  };

  return {
    selected,
    allSelected,
    cursor,
    setCursor,
    hasSelection: allSelected || selected.size > 0,
    count: allSelected ? model.total : selected.size,
    toggle,
    selectAll: (all) => {
      setAllSelected(all);
      setSelected(new Set());
    },
    unpick: () => setSelected(new Set()),
    forget: (id) => setSelected((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : s)),
    targets: () => (allSelected ? (query ? { search: query } : 'all') : { ids: [...selected] }),
  };
}
