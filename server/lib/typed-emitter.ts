/**
 * A small synchronous event emitter keyed by an event map, so listeners are typed
 * and `on` hands back its own unsubscribe function.
 */
export type Listener<T> = (payload: T) => void;

export class TypedEmitter<Events extends Record<string, unknown>> {
  /**
   * Each event's listeners as an array that is replaced, never changed, when one is
   * added or removed: an emit runs the listeners there were when it began, without
   * copying them (the store emits several events per message delivered).
   */
  readonly #listeners = new Map<keyof Events, ReadonlyArray<Listener<never>>>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const added = listener as Listener<never>;
    const current = this.#listeners.get(event) ?? [];
    if (!current.includes(added)) this.#listeners.set(event, [...current, added]);
    return () => {
      const now = this.#listeners.get(event) ?? [];
      if (now.includes(added)) this.#listeners.set(event, now.filter((l) => l !== added));
    };
  }

  /**
   * Calls every listener in order. A listener that throws is a bug in that listener:
   * it is reported through `onListenerError` and the others still run, so one broken
   * front cannot stop the store from telling the rest.
   */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const listeners = this.#listeners.get(event);
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        this.onListenerError(error, String(event));
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  onListenerError: (error: unknown, event: string) => void = (error, event) => {
    console.error(`listener for ${event} failed:`, error);
  };
}
