import { useEffect, useState } from 'preact/hooks';

export interface Loaded<T> {
  value: T | null;
  error: string | null;
}

/**
 * What `load` resolves to, asked again whenever `key` changes (the message shown).
 * A reply to an earlier key that arrives late is dropped, so a slow answer for the
 * message left behind never shows under the one now open.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ value: null, error: null });
  useEffect(() => {
    let live = true;
    setState({ value: null, error: null });
    load().then(
      (value) => live && setState({ value, error: null }),
      (err: unknown) => live && setState({ value: null, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return state;
}
