/**
 * What the fronts report about their traffic, beyond what the store knows: open
 * connections per protocol and refusals (SMTP replies of 4xx/5xx that Letterbox
 * itself decided). The HTTP front shows it in /metrics and /api/v1/info.
 */
export class Activity {
  readonly #open = new Map<string, number>();
  readonly #rejected = new Map<string, number>();

  opened(protocol: string): void {
    this.#open.set(protocol, (this.#open.get(protocol) ?? 0) + 1);
  }

  closed(protocol: string): void {
    this.#open.set(protocol, Math.max(0, (this.#open.get(protocol) ?? 0) - 1));
  }

  rejected(protocol: string): void {
    this.#rejected.set(protocol, (this.#rejected.get(protocol) ?? 0) + 1);
  }

  /** Open connections by protocol, for every protocol seen so far. */
  open(): ReadonlyMap<string, number> {
    return this.#open;
  }

  rejections(protocol: string): number {
    return this.#rejected.get(protocol) ?? 0;
  }

  rejectionsByProtocol(): ReadonlyMap<string, number> {
    return this.#rejected;
  }
}
