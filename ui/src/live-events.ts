import { isObject, num, str, strings } from './json.js';
import { type Summary, toSummary } from './types.js';

/** Mailpit's WebSocket events (`{"Type", "Data"}`), narrowed to what the inbox acts on. */
export type LiveEvent =
  | { type: 'new'; summary: Summary }
  | { type: 'update'; id: string; read?: boolean; tags?: string[] }
  | { type: 'delete'; id: string }
  | { type: 'reload' }
  | { type: 'stats'; total: number; unread: number }
  /** A step of a release of message `id` (Letterbox's own event type). */
  | { type: 'release'; id: string };

export type ConnectionState = 'connecting' | 'live' | 'offline';

function parse(text: string): LiveEvent | null {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(frame)) return null;
  const data = frame['Data'];
  switch (frame['Type']) {
    case 'new': {
      const summary = toSummary(data);
      return summary ? { type: 'new', summary } : null;
    }
    case 'update': {
      if (!isObject(data) || !str(data, 'ID')) return null;
      const event: LiveEvent = { type: 'update', id: str(data, 'ID') };
      if (typeof data['Read'] === 'boolean') event.read = data['Read'];
      if (Array.isArray(data['Tags'])) event.tags = strings(data, 'Tags');
      return event;
    }
    case 'delete':
      return isObject(data) && str(data, 'ID') ? { type: 'delete', id: str(data, 'ID') } : null;
    case 'prune':
    case 'truncate':
      return { type: 'reload' };
    case 'stats':
      return isObject(data) ? { type: 'stats', total: num(data, 'Total'), unread: num(data, 'Unread') } : null;
    case 'release':
      return isObject(data) && str(data, 'ID') ? { type: 'release', id: str(data, 'ID') } : null;
    default:
      return null;
  }
}

/**
 * Keeps one WebSocket to /api/events open, reconnecting with capped backoff. After a
 * reconnect the caller reloads, since events sent while offline are lost.
 */
export function connectLive(onEvent: (e: LiveEvent) => void, onState: (s: ConnectionState, reconnected: boolean) => void): () => void {
  let socket: WebSocket | null = null;
  let retry = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let everOpen = false;

  const open = () => {
    const url = new URL('api/events', document.baseURI);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    onState('connecting', false);
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retry = 0;
      onState('live', everOpen);
      everOpen = true;
    };
    ws.onmessage = (m) => {
      if (typeof m.data !== 'string') return;
      const event = parse(m.data);
      if (event) onEvent(event);
    };
    ws.onclose = () => {
      if (closed) return;
      onState('offline', false);
      timer = setTimeout(open, Math.min(10_000, 500 * 2 ** retry++));
    };
  };
  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    socket?.close();
  };
}
