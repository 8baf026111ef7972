import type { Logger } from '../lib/log.js';
import { deliveryTags } from '../mime/delivery-tags.js';
import type { MailStore } from './mail-store.js';
import type { DeliverInput, StoredMessage } from './types.js';

/** Why a message was not taken; each front maps it to its protocol's reply once. */
export type DeliveryRefusal =
  /** Larger than the size limit (SMTP 552, HTTP 413, IMAP NO [TOOBIG]). */
  | { reason: 'too-large'; maxSize: number }
  /** Storing or committing it failed; the client may try again (SMTP 451, HTTP 503, IMAP NO [UNAVAILABLE]). */
  | { reason: 'not-saved' }
  /** With --inboxes, no rule routes it and `unrouted` is "refuse" (SMTP 550 5.7.1, HTTP 422); `text` says why. */
  | { reason: 'unrouted'; text: string };

export type DeliveryResult = { ok: true; message: StoredMessage } | { ok: false; refusal: DeliveryRefusal };
export type DeliveryBatchResult = { ok: true; messages: StoredMessage[] } | { ok: false; refusal: DeliveryRefusal };

/**
 * What fronts deliver through: a store's DeliveryService, or with --inboxes the router
 * that picks the inboxes a message goes to (server/inboxes).
 */
export interface Delivery {
  /** Largest message accepted, in bytes; Infinity = no limit. */
  readonly maxSize: number;
  /** Whether a message of this many bytes is past the limit (fronts that count bytes as they arrive ask early). */
  tooLarge(bytes: number): boolean;
  deliver(input: DeliverInput): Promise<DeliveryResult>;
  /** Several messages kept all or none (RFC 3502 §3 MULTIAPPEND). */
  deliverAll(inputs: readonly DeliverInput[]): Promise<DeliveryBatchResult>;
}

export interface DeliveryOptions {
  store: MailStore;
  /** Largest message accepted, in bytes; Infinity = no limit (the option's 0, settled once by settleConfig). */
  maxSize: number;
  logger: Logger;
}

/**
 * The one way a message enters the store, whichever front brought it (SMTP and so
 * `letterbox import`, HTTP send, IMAP APPEND and MULTIAPPEND): the same size limit, the
 * same delivery tags (X-Tags, plus-addressing), and an answer only once the store has
 * committed the message, so an acknowledgement always means the message survives a restart with
 * --data-dir (RFC 5321 §6.1: a 250 takes responsibility for the message).
 */
export class DeliveryService implements Delivery {
  readonly #store: MailStore;
  readonly #logger: Logger;
  readonly maxSize: number;

  constructor(options: DeliveryOptions) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.maxSize = options.maxSize;
  }

  tooLarge(bytes: number): boolean {
    return bytes > this.maxSize;
  }

  /** One message: the rules of deliverAll, without its batch bookkeeping on the SMTP path. */
  deliver(input: DeliverInput): Promise<DeliveryResult> {
    if (this.tooLarge(input.raw.length)) return Promise.resolve({ ok: false, refusal: { reason: 'too-large', maxSize: this.maxSize } });
    return this.#tagAndStore(input).then(
      (message) => ({ ok: true, message }),
      (error: unknown) => this.#notSaved(error, input),
    );
  }

  /**
   * Several messages kept all or none (RFC 3502 §3 MULTIAPPEND): every size is checked
   * before the first is stored, they enter the store in the order given, and if any
   * cannot be committed, those that were are taken out again before the refusal.
   */
  async deliverAll(inputs: readonly DeliverInput[]): Promise<DeliveryBatchResult> {
    if (inputs.some((input) => this.tooLarge(input.raw.length))) return { ok: false, refusal: { reason: 'too-large', maxSize: this.maxSize } };
    // Each deliver enters the index at once (MailStore), so starting them in turn keeps their order.
    const pending = inputs.map((input) => this.#tagAndStore(input));
    const settled = await Promise.allSettled(pending);
    const messages = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (messages.length === inputs.length) return { ok: true, messages };
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (messages.length > 0) await this.#store.remove(messages.map((m) => m.id)).catch((error: unknown) => this.#logger.error('taking back a batch that was not saved failed', { error }));
    return this.#notSaved(failure?.reason, inputs[0]);
  }

  #notSaved(error: unknown, input: DeliverInput | undefined): { ok: false; refusal: DeliveryRefusal } {
    this.#logger.error('storing a message failed', { error, via: input?.client?.via ?? 'smtp' });
    return { ok: false, refusal: { reason: 'not-saved' } };
  }

  /** Tags the message and hands it to the store; a store that throws is a failed delivery, not a crash. */
  #tagAndStore(input: DeliverInput): Promise<StoredMessage> {
    try {
      const tags = deliveryTags(input.raw, input.envelope);
      return this.#store.deliver(tags.length > 0 ? { ...input, tags: [...(input.tags ?? []), ...tags] } : input);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
