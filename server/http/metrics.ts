import type { Activity } from '../lib/activity.js';
import type { MailStore } from '../store/mail-store.js';

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
  httpRequests = 0;
  wsClients = 0;
  wsDropped = 0;
  waiters = 0;
  readonly #unsubscribe: Array<() => void>;

  constructor(
    private readonly store: MailStore,
    readonly activity: Activity,
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
    metric('letterbox_http_requests_total', 'counter', 'HTTP requests served.', [['', this.httpRequests]]);
    metric('letterbox_messages_rejected_total', 'counter', 'Messages and logins refused (oversize, AUTH failures, TLS required), by protocol.', [
      ['{protocol="smtp"}', this.activity.rejections('smtp')],
      ...[...this.activity.rejectionsByProtocol()].filter(([p]) => p !== 'smtp').map(([p, n]) => [`{protocol="${p}"}`, n] as [string, number]),
    ]);
    metric('letterbox_connections', 'gauge', 'Open connections by protocol.', [
      ...[...this.activity.open()].map(([p, n]) => [`{protocol="${p}"}`, n] as [string, number]),
      ['{protocol="websocket"}', this.wsClients],
    ]);
    metric('letterbox_websocket_dropped_total', 'counter', 'WebSocket clients closed for falling behind.', [['', this.wsDropped]]);
    metric('letterbox_waiters', 'gauge', 'GET /api/v1/wait requests waiting.', [['', this.waiters]]);
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [['', process.memoryUsage().rss]]);
    return lines.join('\n') + '\n';
  }
}
