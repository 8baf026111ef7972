import type { HostPort } from '../lib/host-port.js';
import type { MailStore } from '../store/mail-store.js';
import type { MessageId } from '../store/types.js';
import { spamdCheck, type SpamReport } from './spamd-client.js';

/** Results kept, newest last: a message's bytes never change, so neither does its verdict. */
const REMEMBERED = 500;

/**
 * SpamAssassin verdicts for stored messages, asked of one spamd and remembered per
 * message id. Checks of the same message at once share one exchange; failures are not
 * remembered, so a spamd that comes back is asked again.
 */
export class SpamChecker {
  readonly #results = new Map<string, Promise<SpamReport | undefined>>();

  constructor(
    readonly spamd: HostPort,
    private readonly options = { timeoutMs: 30_000, maxMessageBytes: 500 * 1024 },
  ) {}

  /** The verdict on a message of `store`, or undefined once the message is gone (its bytes are read only when not remembered). */
  check(store: Pick<MailStore, 'readRaw'>, id: MessageId): Promise<SpamReport | undefined> {
    const known = this.#results.get(id);
    if (known) return known;
    const asked = store.readRaw(id).then((raw) => raw && spamdCheck(this.spamd, raw, this.options));
    this.#results.set(id, asked);
    if (this.#results.size > REMEMBERED) this.#results.delete(this.#results.keys().next().value as string);
    const forget = () => this.#results.delete(id);
    void asked.then((report) => (!report || report.Error) && forget(), forget);
    return asked;
  }
}
