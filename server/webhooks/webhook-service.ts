import { createHmac } from 'node:crypto';
import type { Front, FrontContext } from '../front.js';
import { eventSummaryDto } from '../shapes/mailpit-json.js';
import type { Logger } from '../lib/log.js';
import type { MailStore } from '../store/mail-store.js';
import type { StoredMessage } from '../store/types.js';
import type { WebhookConfig } from './options.js';

const MAX_BACKOFF_MS = 60_000;
/** How long a message's body summary (snippet, attachment count) is awaited before it is sent without. */
const INDEX_WAIT_MS = 2_000;

export interface WebhookSettings {
  url: string;
  secret: string;
  queueLimit: number;
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  label: string;
  /** With --inboxes: the inbox this service reports for, sent as X-Letterbox-Inbox. */
  inbox?: string;
}

export interface WebhookCounts {
  /** Calls answered 2xx. */
  delivered: number;
  /** Failed calls that were tried again. */
  retried: number;
  /** Events given up: the queue was full, every attempt failed, or the service stopped first. */
  dropped: number;
}

/** Body and headers of one webhook call; the signature covers the exact body bytes. */
export function webhookRequest(message: StoredMessage, settings: Pick<WebhookSettings, 'secret' | 'label' | 'inbox'>): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(eventSummaryDto(message));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Letterbox-Webhook',
    'x-letterbox-event': 'new',
    'x-letterbox-message-id': message.id,
  };
  if (settings.label) headers['mailpit-label'] = settings.label;
  if (settings.inbox) headers['x-letterbox-inbox'] = settings.inbox;
  if (settings.secret) headers['x-letterbox-signature-256'] = 'sha256=' + createHmac('sha256', settings.secret).update(body).digest('hex');
  return { body, headers };
}

/**
 * Sends each new message's summary to --webhook-url, one call at a time and in arrival
 * order. A failed call (network error, timeout, non-2xx) is retried with exponential
 * backoff; the queue is bounded. Nothing is lost silently: every event given up is
 * counted and logged with its message ID. Unlike Mailpit's webhook there is no rate
 * limit that discards events.
 */
export class WebhookService implements Front {
  readonly name = 'webhooks';
  readonly counts: WebhookCounts = { delivered: 0, retried: 0, dropped: 0 };
  readonly #queue: StoredMessage[] = [];
  readonly #store: MailStore;
  readonly #settings: WebhookSettings;
  readonly #log: Logger;
  #unsubscribe: (() => void) | undefined;
  #running: Promise<void> | undefined;
  /** Aborts the call or backoff in progress when stopping. */
  #abort = new AbortController();

  constructor(store: MailStore, settings: WebhookSettings, logger: Logger) {
    this.#store = store;
    this.#settings = settings;
    this.#log = logger.child({ service: 'webhooks' });
  }

  get pending(): number {
    return this.#queue.length;
  }

  async start() {
    this.#unsubscribe ??= this.#store.on('delivered', ({ message, remote }) => {
      // One call per message for the whole cluster: the node that accepted it makes it.
      if (!remote) this.#enqueue(message);
    });
    return [];
  }

  /** Stops taking events; the queue gets up to `graceMs` to drain, then what is left is dropped (and logged). */
  async stop(graceMs: number): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#running) {
      const deadline = setTimeout(() => this.#abort.abort(), Math.max(0, graceMs));
      try {
        await this.#running;
      } finally {
        clearTimeout(deadline);
      }
    }
    const left = this.#queue.splice(0);
    if (left.length > 0) {
      this.counts.dropped += left.length;
      this.#log.warn('webhook events dropped at stop', { count: left.length, ids: left.slice(0, 20).map((m) => m.id), dropped: this.counts.dropped });
    }
  }

  #enqueue(message: StoredMessage): void {
    if (this.#queue.length >= this.#settings.queueLimit) {
      this.counts.dropped++;
      this.#log.warn('webhook queue full, event dropped', { id: message.id, queued: this.#queue.length, dropped: this.counts.dropped });
      return;
    }
    this.#queue.push(message);
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const message = this.#queue[0] as StoredMessage;
      const delivered = await this.#deliver(message);
      if (this.#abort.signal.aborted) return;
      this.#queue.shift();
      if (!delivered) {
        this.counts.dropped++;
        this.#log.warn('webhook event dropped after every attempt failed', { id: message.id, attempts: this.#settings.attempts, dropped: this.counts.dropped });
      }
    }
  }

  /** Tries one event until it is accepted or its attempts run out. */
  async #deliver(message: StoredMessage): Promise<boolean> {
    await this.#indexed(message);
    const { body, headers } = webhookRequest(message, this.#settings);
    for (let attempt = 1; attempt <= this.#settings.attempts; attempt++) {
      if (this.#abort.signal.aborted) return false;
      const failure = await this.#call(body, { ...headers, 'x-letterbox-attempt': String(attempt) });
      if (failure === undefined) {
        this.counts.delivered++;
        return true;
      }
      if (attempt === this.#settings.attempts) {
        this.#log.warn('webhook call failed', { id: message.id, attempt, reason: failure });
        break;
      }
      this.counts.retried++;
      const delay = Math.min(this.#settings.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
      this.#log.info('webhook call failed, will retry', { id: message.id, attempt, reason: failure, retryInMs: delay });
      await this.#pause(delay);
    }
    return false;
  }

  /** undefined when the receiver answered 2xx, else why not. */
  async #call(body: string, headers: Record<string, string>): Promise<string | undefined> {
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#settings.timeoutMs)]);
    try {
      const response = await fetch(this.#settings.url, { method: 'POST', body, headers, signal, redirect: 'manual' });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 300 ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error ? (error.name === 'TimeoutError' ? `no answer within ${this.#settings.timeoutMs} ms` : failureText(error)) : String(error);
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Mailpit's payload carries the snippet and attachment count, which the body indexer
   * fills in just after delivery: wait for its `indexed` event (bounded), not a guess.
   */
  #indexed(message: StoredMessage): Promise<void> {
    if (message.body || this.#store.get(message.id) !== message) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        off();
        gone();
        clearTimeout(timer);
        this.#abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const off = this.#store.on('indexed', (event) => {
        if (event.message.id === message.id) done();
      });
      const gone = this.#store.on('removed', (event) => {
        if (event.messages.some((m) => m.id === message.id)) done();
      });
      const timer = setTimeout(done, INDEX_WAIT_MS);
      this.#abort.signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * fetch (undici) rejects every network failure as `TypeError: fetch failed`, the
 * reason being in `cause` (ECONNREFUSED, ECONNRESET, a TLS error…), possibly an
 * AggregateError of one per address tried. The log says that reason, not just "fetch failed".
 */
function failureText(error: Error): string {
  const causes: string[] = [];
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 3; depth++) {
    causes.push(describe(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  const reasons = causes.filter(Boolean);
  return reasons.length > 0 ? `${error.message}: ${reasons.join(': ')}` : error.message;
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : '';
  const inner = cause instanceof AggregateError ? cause.errors.map((e: unknown) => describe(e)).filter(Boolean) : [];
  const text = cause.message || inner.join('; ') || cause.name;
  return code && !text.includes(code) ? `${text} (${code})` : text;
}

/** The webhook service when --webhook-url is set; else none. */
export function createWebhooks(context: FrontContext, config: WebhookConfig, inbox?: string): Front | null {
  const { store, logger } = context;
  if (!config.webhookUrl) return null;
  return new WebhookService(
    store,
    {
      url: config.webhookUrl,
      secret: config.webhookSecret,
      queueLimit: config.webhookQueue,
      attempts: config.webhookAttempts,
      backoffMs: config.webhookBackoff,
      timeoutMs: config.webhookTimeout,
      label: config.label,
      ...(inbox !== undefined && { inbox }),
    },
    logger,
  );
}
