import { useEffect, useRef } from 'preact/hooks';

export interface ShortcutActions {
  next: () => void;
  prev: () => void;
  enter: () => void;
  toggle: () => void;
  remove: () => void;
  search: () => void;
  help: () => void;
  escape: () => void;
}

function typing(target: EventTarget | null): boolean {
  // A modal dialog owns the keyboard, even when its focus fell to the page (a button it
  // disabled): Escape closes the dialog, not the message behind it too.
  if (document.querySelector('dialog[open]')) return true;
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
}

/** Single-key shortcuts (as Gmail's): ignored while typing, while a dialog is open, or with Ctrl/Alt/Meta. */
export function useShortcuts(actions: ShortcutActions): void {
  const current = useRef(actions);
  current.current = actions;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.altKey || e.metaKey || typing(e.target)) return;
      const a = current.current;
      const table: Record<string, (() => void) | undefined> = {
        j: a.next,
        k: a.prev,
        Enter: e.target instanceof HTMLAnchorElement || e.target instanceof HTMLButtonElement ? undefined : a.enter,
        o: a.enter,
        x: a.toggle,
        Delete: a.remove,
        '#': a.remove,
        '/': a.search,
        '?': a.help,
        Escape: a.escape,
      };
      const action = table[e.key];
      if (!action) return;
      e.preventDefault();
      action();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
}
