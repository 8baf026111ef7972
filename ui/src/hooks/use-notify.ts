import { useState } from 'preact/hooks';
import { enableNotify, loadNotify } from '../prefs.js';

/** Whether new mail raises a browser notification; turning it on asks the browser's permission first. */
export function useNotify(): [boolean, (on: boolean) => void] {
  const [notify, setNotify] = useState(loadNotify);
  return [notify, (on) => void enableNotify(on).then(setNotify)];
}
