import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { MailStore } from '../store/mail-store.js';
import { SEEN } from '../store/types.js';
import type { ReleaseService } from '../relay/release-service.js';
import { eventSummaryDto } from '../shapes/mailpit-json.js';
import type { LiveEventData } from '../shapes/wire-types.js';
import { releaseDto } from './release-dto.js';
import type { Metrics } from './metrics.js';

/**
 * Mailpit sends `prune` (reload) instead of one `delete` per message past this many at
 * once; so does Letterbox for flag and tag changes, so "mark all read" over 100,000
 * messages is one frame, not a queue that would get a healthy client dropped.
 */
const PRUNE_THRESHOLD = 200;
/** Mailpit coalesces stats to at most one every 250 ms. */
const STATS_INTERVAL_MS = 250;
/** Well inside the minute after which proxies and NAT boxes commonly drop a quiet connection. */
const PING_INTERVAL_MS = 30_000;

export interface EventsHubOptions {
  store: MailStore;
  metrics: Metrics;
  /** Its progress is streamed as `release` frames; absent when release is off. */
  release?: ReleaseService;
  version: string;
  /** Bytes queued for one client before it is disconnected as stalled. */
  maxBuffered: number;
  /** Time between heartbeats; a client that has not answered the last ping by the next is dropped. */
  pingIntervalMs?: number;
}

/**
 * The live event stream at `<webroot>api/events`: Mailpit's `{"Type", "Data"}` frames
 * (new, update, delete, prune, truncate, stats). Each frame is serialised once for all
 * clients; a client whose unsent bytes pass the bound is closed (1008) rather than let
 * its queue grow, so one stalled reader costs neither memory nor others' latency.
 */
export class EventsHub {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  readonly #clients = new Set<WebSocket>();
  readonly #alive = new WeakSet<WebSocket>();
  /** Whether each client may still read what this hub tells (EventsHub.upgrade). */
  readonly #allowed = new WeakMap<WebSocket, () => boolean>();
  readonly #unsubscribe: Array<() => void>;
  readonly #ping: NodeJS.Timeout;
  #statsTimer: NodeJS.Timeout | undefined;
  #statsDue = false;
  #lastStats = 0;

  constructor(private readonly options: EventsHubOptions) {
    const { store } = options;
    this.#unsubscribe = [
      // `new` waits for the body summary (a setImmediate turn after delivery, off the SMTP
      // path) so the event carries the Snippet and Attachments count a list shows.
      store.on('indexed', ({ message }) => {
        // The summary DTO (header summary, snippet) is made only when someone listens.
        if (this.#clients.size > 0) this.#broadcast('new', eventSummaryDto(message));
      }),
      store.on('delivered', () => this.#stats()),
      store.on('flags', ({ messages }) => {
        if (messages.length > PRUNE_THRESHOLD) this.#broadcast('prune', null);
        else for (const m of messages) this.#broadcast('update', { ID: m.id, Read: m.flags.has(SEEN) });
        this.#stats();
      }),
      store.on('tags', ({ messages }) => {
        if (messages.length > PRUNE_THRESHOLD) this.#broadcast('prune', null);
        else for (const m of messages) this.#broadcast('update', { ID: m.id, Tags: [...m.tags] });
      }),
      store.on('removed', ({ messages, reason }) => {
        if (reason === 'pruned' || messages.length > PRUNE_THRESHOLD) this.#broadcast('prune', null);
        else for (const m of messages) this.#broadcast('delete', { ID: m.id });
        this.#stats();
      }),
      store.on('cleared', () => {
        this.#broadcast('truncate', null);
        this.#stats();
      }),
      // Release progress (Letterbox's own event type): each step of a release as it happens.
      ...this.#releaseProgress(),
    ];
    // RFC 6455 §5.5.2: ping; a client that has not answered the previous ping is gone.
    this.#ping = setInterval(() => {
      for (const ws of this.#clients) {
        if (!this.#alive.has(ws)) {
          ws.terminate();
          continue;
        }
        this.#alive.delete(ws);
        ws.ping();
      }
    }, options.pingIntervalMs ?? PING_INTERVAL_MS);
    this.#ping.unref();
  }

  #releaseProgress(): Array<() => void> {
    const service = this.options.release;
    if (!service) return [];
    // The DTO (every transcript line) is made only when someone listens.
    const send = ({ record }: { record: Parameters<typeof releaseDto>[0] }) => {
      if (this.#clients.size > 0) this.#broadcast('release', { ID: record.messageId, Release: releaseDto(record) });
    };
    // `remote`: with --database, each step of a release another node runs, as it saved it.
    return [service.on('started', send), service.on('attempt', send), service.on('finished', send), service.on('remote', send)];
  }

  get size(): number {
    return this.#clients.size;
  }

  /**
   * Completes an HTTP upgrade already authorised by the front. `stillAllowed` is asked
   * at every recheck(): once it says no (a reload of the inboxes file took the inbox
   * from the user), the client is closed, as IMAP and POP3 sessions are.
   */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, stillAllowed: () => boolean = () => true): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      this.#allowed.set(ws, stillAllowed);
      this.#accept(ws);
    });
  }

  /**
   * Ends every client with 1001, going away (RFC 6455 §7.4.1), and `why`: a client can
   * tell an inbox removed or a server stopping from a dropped connection (1006). The
   * close frame is written, then the socket ended without waiting for the client's.
   */
  close(why = 'Letterbox is shutting down'): void {
    for (const off of this.#unsubscribe) off();
    clearInterval(this.#ping);
    clearTimeout(this.#statsTimer);
    for (const ws of this.#clients) {
      this.#forget(ws);
      ws.close(1001, why);
      ws.terminate();
    }
    this.#wss.close();
  }

  #accept(ws: WebSocket): void {
    this.#clients.add(ws);
    this.#alive.add(ws);
    this.options.metrics.front.wsClients++;
    ws.on('pong', () => this.#alive.add(ws));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => this.#forget(ws));
    // Clients send nothing meaningful; messages are ignored (Mailpit's clients send none).
    this.#send(ws, this.#frame('stats', this.#statsData()));
  }

  /** Counted out once, whether it closed or was dropped (a dropped client closes too). */
  #forget(ws: WebSocket): void {
    if (this.#clients.delete(ws)) this.options.metrics.front.wsClients--;
  }

  #frame<T extends keyof LiveEventData>(type: T, data: LiveEventData[T]): string {
    return JSON.stringify({ Type: type, Data: data });
  }

  /** Closes every client that may no longer read this hub (a reload of the inboxes file). */
  recheck(): void {
    for (const ws of this.#clients) this.#withdrawn(ws);
  }

  /** Closes a client that may no longer read this hub (1008, RFC 6455 §7.4.1: policy). */
  #withdrawn(ws: WebSocket): void {
    if (this.#allowed.get(ws)?.() !== false) return;
    this.#forget(ws);
    ws.close(1008, 'access to this inbox was withdrawn');
  }

  #send(ws: WebSocket, frame: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount + frame.length > this.options.maxBuffered) {
      this.options.metrics.front.wsDropped++;
      this.#forget(ws);
      ws.terminate();
      return;
    }
    ws.send(frame);
  }

  #broadcast<T extends keyof LiveEventData>(type: T, data: LiveEventData[T]): void {
    if (this.#clients.size === 0) return;
    const frame = this.#frame(type, data);
    for (const ws of this.#clients) this.#send(ws, frame);
  }

  #statsData(): LiveEventData['stats'] {
    const stats = this.options.store.stats();
    return { Total: stats.messages, Unread: stats.unread, Version: this.options.version };
  }

  /** At most one stats frame per interval: the first at once, later ones at the interval's end. */
  #stats(): void {
    if (this.#clients.size === 0) return;
    if (this.#statsTimer) {
      this.#statsDue = true;
      return;
    }
    const wait = Math.max(0, this.#lastStats + STATS_INTERVAL_MS - Date.now());
    this.#statsDue = true;
    this.#statsTimer = setTimeout(() => {
      this.#statsTimer = undefined;
      if (!this.#statsDue) return;
      this.#statsDue = false;
      this.#lastStats = Date.now();
      this.#broadcast('stats', this.#statsData());
    }, wait);
    this.#statsTimer.unref();
  }
}
