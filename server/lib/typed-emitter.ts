/**
 * A small synchronous event emitter keyed by an event map, so listeners are typed
 * and `on` hands back its own unsubscribe function.
 */
export type Listener<T> = (payload: T) => void;

export class TypedEmitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  /**
   * Calls every listener in order. A listener that throws is a bug in that listener:
   * it is reported through `onListenerError` and the others still run, so one broken
   * front cannot stop the store from telling the rest.
   */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        this.onListenerError(error, String(event));
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  onListenerError: (error: unknown, event: string) => void = (error, event) => {
    console.error(`listener for ${event} failed:`, error);
  };
}
