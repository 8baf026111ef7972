import type { Front, FrontContext } from '../front.js';
import type { Logger } from '../lib/log.js';
import { deliveryTags } from './delivery-tags.js';
import type { MemoryStore } from '../store/memory-store.js';
import type { BodySummary, StoredMessage } from '../store/types.js';
import { htmlToText, simpleBodyText, snippetOf } from './body-text.js';
import { parseRaw } from './parse.js';
import { fold, headerHaystack } from '../store/search/haystack.js';

/** How long one turn of the fast path may hold the event loop before yielding to I/O. */
const TURN_BUDGET_MS = 1;
/** Full MIME parses in flight at once. */
const PARSE_CONCURRENCY = 2;

/**
 * Fills each message's body summary (snippet, attachment counts, search text) after
 * delivery, off the SMTP hot path: deliveries only queue the message; the work runs in
 * setImmediate turns with a time budget, so a burst of mail never delays a 250 reply.
 */
export class BodyIndexer {
  readonly #queue: StoredMessage[] = [];
  #head = 0;
  #scheduled = false;
  #parsing = 0;
  #idle: Array<() => void> = [];
  readonly #unsubscribe: Array<() => void>;

  constructor(
    private readonly store: MemoryStore,
    private readonly logger?: Logger,
  ) {
    this.#unsubscribe = [store.on('delivered', ({ message }) => this.enqueue(message))];
    for (const message of store.messages()) if (!message.body) this.enqueue(message);
  }

  enqueue(message: StoredMessage): void {
    this.#queue.push(message);
    this.#schedule();
  }

  /** Resolves once every queued message is indexed (for tests and benches). */
  idle(): Promise<void> {
    if (this.#pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  stop(): void {
    for (const off of this.#unsubscribe) off();
    this.#queue.length = 0;
    this.#head = 0;
  }

  #pending(): number {
    return this.#queue.length - this.#head + this.#parsing;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  #turn(): void {
    this.#scheduled = false;
    const until = performance.now() + TURN_BUDGET_MS;
    while (this.#head < this.#queue.length && performance.now() < until) {
      const message = this.#queue[this.#head] as StoredMessage;
      if (this.store.get(message.id) !== message || message.body) {
        this.#head++;
        continue;
      }
      // Header search text is made here too, so the first search after a burst does not pay for it.
      headerHaystack(message);
      const simple = simpleBodyText(message.raw);
      if (simple) this.store.setBody(message.id, summaryOf(simple.text, 0, 0));
      else if (this.#parsing < PARSE_CONCURRENCY) this.#parse(message);
      else break;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#head < this.#queue.length && this.#parsing < PARSE_CONCURRENCY) this.#schedule();
    this.#settle();
  }

  #parse(message: StoredMessage): void {
    this.#parsing++;
    parseRaw(message.raw)
      .then((parsed) => {
        if (this.store.get(message.id) !== message) return;
        // An HTML-only message has no text part; its text is the HTML reduced to text.
        const text = parsed.text.trim() === '' && parsed.html ? htmlToText(parsed.html) : parsed.text;
        this.store.setBody(message.id, summaryOf(text, parsed.attachments.length, parsed.inline.length));
      })
      .catch((error: unknown) => {
        // Still give the message a (blank) summary: waiters and live events key on it.
        this.logger?.warn('indexing a message failed', { id: message.id, error });
        if (this.store.get(message.id) === message) this.store.setBody(message.id, summaryOf('', 0, 0));
      })
      .finally(() => {
        this.#parsing--;
        if (this.#head < this.#queue.length) this.#schedule();
        this.#settle();
      });
  }

  #settle(): void {
    if (this.#pending() > 0) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }
}

// Collapsing white space before folding keeps searchText one flat string: replacing in
// fold()'s (normalised) result left a string tree about 17 times the text's size.
function summaryOf(text: string, attachments: number, inline: number): BodySummary {
  return { snippet: snippetOf(text), attachments, inline, searchText: fold(text.replace(/\s+/g, ' ')) };
}

/**
 * The indexer and delivery tagging as a background service of the sandbox, so mail is
 * indexed and tagged whichever fronts are on.
 */
export function createMailProcessing(context: FrontContext): Front {
  // Hooked in when the sandbox is built, before any front can deliver.
  const untag = context.store.addDeliveryTagger(deliveryTags);
  const indexer = new BodyIndexer(context.store, context.logger.child({ service: 'indexer' }));
  return {
    name: 'mail-processing',
    async start() {
      return [];
    },
    async stop() {
      indexer.stop();
      untag();
    },
  };
}
