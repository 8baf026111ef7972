import { useState } from 'preact/hooks';
import { applyTheme, loadTheme, type Theme } from '../prefs.js';

/** The colour theme the reader chose, applied to the page and remembered. */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(loadTheme);
  return [
    theme,
    (next) => {
      setTheme(next);
      applyTheme(next);
    },
  ];
}
