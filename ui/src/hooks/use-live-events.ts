import { useEffect, useRef, useState } from 'preact/hooks';
import { shortAddress } from '../format.js';
import type { ListModel } from '../list-model.js';
import { type ConnectionState, connectLive } from '../live-events.js';
import { releaseHeard } from '../release-progress.js';

export interface LiveEventHandlers {
  /** Browser notifications are on. */
  notify: boolean;
  /** A message was deleted (here or elsewhere). */
  deleted(id: string): void;
  /** The reader clicked a notification. */
  open(id: string): void;
}

/**
 * The live event stream applied to the list as it comes (release steps to whoever
 * watches them, release-progress.ts), a browser notification for new
 * mail while the page is hidden, and a full reload after a reconnect (events sent while
 * offline are lost). Returns the connection's state for the top bar.
 */
export function useLiveEvents(model: ListModel, handlers: LiveEventHandlers): ConnectionState {
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  // The socket lives as long as the model; the handlers it calls are this render's.
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(
    () =>
      connectLive(
        (event) => {
          if (event.type === 'release') return releaseHeard(event.id);
          model.apply(event);
          if (event.type === 'delete') latest.current.deleted(event.id);
          if (event.type === 'new' && latest.current.notify && document.hidden) {
            const note = new Notification(event.summary.Subject || '(no subject)', { body: `From ${shortAddress(event.summary.From)}`, tag: event.summary.ID });
            note.onclick = () => {
              window.focus();
              latest.current.open(event.summary.ID);
            };
          }
        },
        (state, reconnected) => {
          setConnection(state);
          if (reconnected) void model.reset();
        },
      ),
    [model],
  );
  return connection;
}
