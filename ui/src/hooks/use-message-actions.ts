import { useState } from 'preact/hooks';
import { deleteMessages, setRead } from '../api.js';
import type { ListModel } from '../list-model.js';
import type { Route } from '../url-state.js';
import type { SelectionState } from './use-selection.js';

export interface MessageActions {
  /** What the last action did, or why it failed, for screen readers. */
  status: string;
  /** Deletes these; if the open message is one of them, its neighbour opens instead. */
  removeIds(ids: string[]): Promise<void>;
  deleteSelected(): Promise<void>;
  deleteAll(): Promise<void>;
  markUnread(id: string): Promise<void>;
  /** Marks the selection read or unread. */
  mark(read: boolean): Promise<void>;
}

/** Where the reader is: the route, how to move, and the open message's neighbours in the list. */
export interface Reading {
  route: Route;
  navigate(next: Route, replace?: boolean): void;
  neighbour(offset: number): string | null;
}

/** Deleting and marking, from the toolbar, the message view and the keyboard; the list is updated at once, the server asked after. */
export function useMessageActions(model: ListModel, selection: SelectionState, { route, navigate, neighbour }: Reading): MessageActions {
  const [status, setStatus] = useState('');

  const run = async (what: string, action: () => Promise<void>) => {
    try {
      await action();
      setStatus(what);
    } catch (err) {
      setStatus(`Failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const removeIds = async (ids: string[]) => {
    if (route.m && ids.includes(route.m)) {
      const next = neighbour(1) ?? neighbour(-1);
      navigate({ q: route.q, m: next ?? '' }, true);
    }
    await run(`Deleted ${ids.length} message${ids.length === 1 ? '' : 's'}`, () => deleteMessages({ ids }));
    selection.unpick();
  };

  const deleteSelected = async () => {
    if (selection.allSelected) {
      if (!confirm(`Delete all ${model.total} ${route.q ? 'matching ' : ''}messages?`)) return;
      const target = selection.targets();
      await run('Deleted', () => deleteMessages(target));
      selection.selectAll(false);
      navigate({ q: route.q, m: '' }, true);
      await model.reset();
    } else await removeIds([...selection.selected]);
  };

  const deleteAll = async () => {
    if (!confirm('Delete every message in the inbox?')) return;
    await run('Deleted all messages', () => deleteMessages('all'));
    selection.selectAll(false);
    navigate({ q: route.q, m: '' }, true);
    await model.reset();
  };

  const markUnread = async (id: string) => {
    model.markLocal(new Set([id]), false);
    await run('Marked unread', () => setRead(false, { ids: [id] }));
  };

  const mark = async (read: boolean) => {
    const target = selection.targets();
    model.markLocal(target === 'all' || 'search' in target ? 'all' : new Set(target.ids), read);
    await run(read ? 'Marked read' : 'Marked unread', () => setRead(read, target));
  };

  return { status, removeIds, deleteSelected, deleteAll, markUnread, mark };
}
