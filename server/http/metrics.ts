import { derivedCache, type DerivedCache } from '../derived/derived-cache.js';
import { sharedPool, type WorkerPool } from '../derived/worker-pool.js';
import type { Activity } from '../lib/activity.js';
import type { MailStore } from '../store/mail-store.js';

/**
 * What the HTTP front counts across all its roots: with --inboxes each inbox is a root
 * with Metrics of its own store, but requests, WebSockets and waiters are the front's.
 */
export class FrontCounters {
  httpRequests = 0;
  wsClients = 0;
  wsDropped = 0;
  waiters = 0;
}

/**
 * Counters the HTTP front keeps from store events (the store's own totals come from
 * stats()), rendered in the Prometheus text format (version 0.0.4).
 */
export class Metrics {
  accepted = 0;
  acceptedBytes = 0;
  readonly acceptedVia = new Map<string, number>();
  deleted = 0;
  pruned = 0;
  readonly #unsubscribe: Array<() => void>;

  constructor(
    private readonly store: MailStore,
    readonly activity: Activity,
    /** Shared by every root of the front. */
    readonly front: FrontCounters = new FrontCounters(),
    /** The process's derived-data cache and worker pool, shared with every sandbox in it. */
    private readonly derived: { cache: DerivedCache; pool: WorkerPool } = { cache: derivedCache(), pool: sharedPool() },
  ) {
    this.#unsubscribe = [
      store.on('delivered', ({ message }) => {
        this.accepted++;
        this.acceptedBytes += message.size;
        this.acceptedVia.set(message.client.via, (this.acceptedVia.get(message.client.via) ?? 0) + 1);
      }),
      store.on('removed', ({ messages, reason }) => {
        if (reason === 'pruned') this.pruned += messages.length;
        else this.deleted += messages.length;
      }),
      store.on('cleared', ({ count }) => {
        this.deleted += count;
      }),
    ];
  }

  stop(): void {
    for (const off of this.#unsubscribe) off();
  }

  render(): string {
    const stats = this.store.stats();
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: Array<[string, number]>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric('letterbox_messages', 'gauge', 'Messages stored.', [['', stats.messages]]);
    metric('letterbox_messages_unread', 'gauge', 'Messages stored and not yet read.', [['', stats.unread]]);
    metric('letterbox_store_bytes', 'gauge', 'Raw bytes of the stored messages.', [['', stats.bytes]]);
    metric(
      'letterbox_messages_accepted_total', 'counter', 'Messages accepted, by the front that delivered them.',
      [...this.acceptedVia].map(([via, n]) => [`{via="${via}"}`, n] as [string, number]),
    );
    metric('letterbox_messages_accepted_bytes_total', 'counter', 'Bytes of the messages accepted.', [['', this.acceptedBytes]]);
    metric('letterbox_messages_deleted_total', 'counter', 'Messages deleted (API, POP3, IMAP).', [['', this.deleted]]);
    metric('letterbox_messages_pruned_total', 'counter', 'Messages pruned by the store limits.', [['', this.pruned]]);
    metric('letterbox_http_requests_total', 'counter', 'HTTP requests served.', [['', this.front.httpRequests]]);
    metric('letterbox_messages_rejected_total', 'counter', 'Messages and logins refused (oversize, AUTH failures, TLS required), by protocol.', [
      ['{protocol="smtp"}', this.activity.rejections('smtp')],
      ...[...this.activity.rejectionsByProtocol()].filter(([p]) => p !== 'smtp').map(([p, n]) => [`{protocol="${p}"}`, n] as [string, number]),
    ]);
    metric('letterbox_connections', 'gauge', 'Open connections by protocol.', [
      ...[...this.activity.open()].map(([p, n]) => [`{protocol="${p}"}`, n] as [string, number]),
      ['{protocol="websocket"}', this.front.wsClients],
    ]);
    metric('letterbox_websocket_dropped_total', 'counter', 'WebSocket clients closed for falling behind.', [['', this.front.wsDropped]]);
    metric('letterbox_waiters', 'gauge', 'GET /api/v1/wait requests waiting.', [['', this.front.waiters]]);
    const cache = this.derived.cache.stats();
    metric('letterbox_derived_cache_bytes', 'gauge', 'Bytes counted for what the derived-data cache holds (parsed views), of letterbox_derived_cache_max_bytes.', [['', cache.bytes]]);
    metric('letterbox_derived_cache_max_bytes', 'gauge', 'Most bytes the derived-data cache holds.', [['', cache.maxBytes]]);
    metric('letterbox_derived_cache_entries', 'gauge', 'Entries the derived-data cache holds.', [['', cache.entries]]);
    metric('letterbox_derived_cache_hits_total', 'counter', 'Derived-data cache lookups answered from the cache.', [['', cache.hits]]);
    metric('letterbox_derived_cache_misses_total', 'counter', 'Derived-data cache lookups that had to make the value.', [['', cache.misses]]);
    metric('letterbox_derived_cache_evictions_total', 'counter', 'Entries pushed out of the derived-data cache by its bounds.', [['', cache.evictions]]);
    metric(
      'letterbox_worker_jobs_total', 'counter', 'Jobs answered by the worker pool, by kind (summary, view, fetch).',
      Object.entries(this.derived.pool.answered).map(([kind, n]) => [`{kind="${kind}"}`, n ?? 0] as [string, number]),
    );
    metric('letterbox_worker_jobs_pending', 'gauge', 'Jobs handed to the worker pool and not yet answered.', [['', this.derived.pool.pending]]);
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [['', process.memoryUsage().rss]]);
    return lines.join('\n') + '\n';
  }
}
