import type { HostPort } from '../lib/host-port.js';
import type { StoredMessage } from '../store/types.js';
import { spamdCheck, type SpamReport } from './spamd-client.js';

/** Results kept, newest last: a message's bytes never change, so neither does its verdict. */
const REMEMBERED = 500;

/**
 * SpamAssassin verdicts for stored messages, asked of one spamd and remembered per
 * message id. Checks of the same message at once share one exchange; failures are not
 * remembered, so a spamd that comes back is asked again.
 */
export class SpamChecker {
  readonly #results = new Map<string, Promise<SpamReport>>();

  constructor(
    readonly spamd: HostPort,
    private readonly options = { timeoutMs: 30_000, maxMessageBytes: 500 * 1024 },
  ) {}

  check(message: StoredMessage): Promise<SpamReport> {
    const known = this.#results.get(message.id);
    if (known) return known;
    const asked = spamdCheck(this.spamd, message.raw, this.options);
    this.#results.set(message.id, asked);
    if (this.#results.size > REMEMBERED) this.#results.delete(this.#results.keys().next().value as string);
    void asked.then((report) => {
      if (report.Error) this.#results.delete(message.id);
    });
    return asked;
  }
}
