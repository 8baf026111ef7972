/**
 * The release service of a store, for the HTTP routes: the relay front registers
 * it here, keyed by the store both share, so no front imports another.
 */
import type { MailStore } from '../store/mail-store.js';
import type { ReleaseService } from './release-service.js';

const services = new WeakMap<MailStore, ReleaseService>();

export function registerReleaseService(store: MailStore, service: ReleaseService): void {
  services.set(store, service);
}

export function unregisterReleaseService(store: MailStore, service: ReleaseService): void {
  if (services.get(store) === service) services.delete(store);
}

/** The release service working on this store, or undefined when release is off. */
export function releaseServiceFor(store: MailStore): ReleaseService | undefined {
  return services.get(store);
}
