/** Reader preferences kept in localStorage: theme, browser notifications, the list's width. */
export type Theme = 'auto' | 'light' | 'dark';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
}

export function loadTheme(): Theme {
  const v = read('letterbox.theme');
  return v === 'light' || v === 'dark' ? v : 'auto';
}

export function applyTheme(theme: Theme): void {
  write('letterbox.theme', theme);
  if (theme === 'auto') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = theme;
}

export function loadNotify(): boolean {
  return read('letterbox.notify') === '1' && 'Notification' in window && Notification.permission === 'granted';
}

export async function enableNotify(on: boolean): Promise<boolean> {
  if (on && 'Notification' in window && Notification.permission !== 'granted') {
    on = (await Notification.requestPermission()) === 'granted';
  }
  write('letterbox.notify', on ? '1' : '0');
  return on;
}

/** The message list's width in pixels on a wide screen, as the reader last dragged it (null: the default). */
export function loadListWidth(): number | null {
  const v = Number(read('letterbox.listWidth'));
  return Number.isFinite(v) && v > 0 ? v : null;
}

export function saveListWidth(px: number): void {
  write('letterbox.listWidth', String(Math.round(px)));
}
