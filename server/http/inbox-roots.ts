import type { Hono } from 'hono';
import type { Inbox, InboxDirectory } from '../inboxes/types.js';
import type { HttpEnv } from './api.js';
import { createRoot, type HttpRoot, type RootSource, type SharedParts } from './http-root.js';

/** A root and the Hono app that serves it. */
export interface ServedRoot {
  readonly root: HttpRoot;
  readonly app: Hono<HttpEnv>;
}

/**
 * The roots of a front with --inboxes: one per inbox, made on its first request and
 * dropped when the directory removes the inbox (an inbox of the same name added later is
 * a new store and gets a new root), and one over every inbox (`/all/`). The number of
 * roots is bounded by the directory's own limit on inboxes.
 */
export class InboxRoots {
  readonly #byName = new Map<string, { inbox: Inbox; served: ServedRoot }>();
  readonly #all: ServedRoot;
  readonly #unsubscribe: Array<() => void>;

  constructor(
    private readonly directory: InboxDirectory,
    private readonly shared: SharedParts,
    private readonly serve: (root: HttpRoot) => Hono<HttpEnv>,
  ) {
    const { context, config } = shared;
    this.#all = this.#make({ store: context.store, delivery: context.delivery, release: undefined, webroot: `${config.webroot}all/`, label: this.#label('All inboxes') });
    this.#unsubscribe = [
      directory.on('removed', ({ inbox }) => this.#drop(inbox.name, 'the inbox was removed')),
      directory.on('added', ({ inbox }) => this.#drop(inbox.name, 'the inbox was made again')),
      // Event streams of users a reload took an inbox from end now, not at their next frame.
      directory.on('reloaded', () => {
        for (const { served } of this.#byName.values()) served.root.hub.recheck();
        this.#all.root.hub.recheck();
      }),
    ];
  }

  /** The root of an inbox that exists now, or undefined; whether the user may read it is asked first, by the caller. */
  inbox(name: string): ServedRoot | undefined {
    const inbox = this.directory.get(name);
    if (!inbox) return undefined;
    const known = this.#byName.get(name);
    if (known?.inbox === inbox) return known.served;
    if (known) this.#drop(name, 'the inbox was changed');
    const served = this.#make({
      store: inbox.store,
      delivery: inbox.delivery,
      release: inbox.release,
      webroot: `${this.shared.config.webroot}inbox/${name}/`,
      label: this.#label(name),
      inbox: name,
    });
    this.#byName.set(name, { inbox, served });
    return served;
  }

  /** The root over every inbox, for users who may read them all. */
  all(): ServedRoot {
    return this.#all;
  }

  stop(): void {
    for (const off of this.#unsubscribe) off();
    for (const name of [...this.#byName.keys()]) this.#drop(name);
    this.#all.root.stop();
  }

  /** The web inbox of an inbox (or of all) says which it is, after the instance's own --label. */
  #label(which: string): string {
    const instance = this.shared.config.label;
    return instance ? `${instance} · ${which}` : which;
  }

  #make(source: RootSource): ServedRoot {
    const root = createRoot(this.shared, source);
    return { root, app: this.serve(root) };
  }

  #drop(name: string, why?: string): void {
    const known = this.#byName.get(name);
    if (!known) return;
    this.#byName.delete(name);
    known.served.root.stop(why);
  }
}
