/**
 * Caps on open connections, in all and per client address, for one listener family.
 * A front asks `admit` when a socket arrives; a refusal names which cap was hit so the
 * front can answer in its own protocol (SMTP 421, POP3 -ERR [SYS/TEMP], IMAP * BYE,
 * HTTP 503) before closing.
 */
export interface ConnectionCaps {
  /** Most connections open at once; Infinity = no cap (the option's 0, settled by settleConfig). */
  total: number;
  /** Most connections open at once from one client address; Infinity = no cap. */
  perAddress: number;
}

/** The caps every front takes from the configuration. */
export function connectionCaps(config: { maxConnections: number; maxConnectionsPerIp: number }): ConnectionCaps {
  return { total: config.maxConnections, perAddress: config.maxConnectionsPerIp };
}

export type Admission = { ok: true; release: () => void } | { ok: false; reason: 'total' | 'per-address' };

export class ConnectionLimiter {
  #open = 0;
  readonly #byAddress = new Map<string, number>();

  constructor(private readonly caps: ConnectionCaps) {}

  get open(): number {
    return this.#open;
  }

  admit(address: string | undefined): Admission {
    const key = address ?? '';
    const fromAddress = this.#byAddress.get(key) ?? 0;
    if (this.#open >= this.caps.total) return { ok: false, reason: 'total' };
    if (fromAddress >= this.caps.perAddress) return { ok: false, reason: 'per-address' };
    this.#open++;
    this.#byAddress.set(key, fromAddress + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#open--;
        const left = (this.#byAddress.get(key) ?? 1) - 1;
        if (left > 0) this.#byAddress.set(key, left);
        else this.#byAddress.delete(key);
      },
    };
  }
}

export function refusalText(reason: 'total' | 'per-address'): string {
  return reason === 'total' ? 'Too many connections, try again later' : 'Too many connections from your address, try again later';
}
