import { AUTHENTICATED, bad, command, none, ok, type CommandEntry } from '../command.js';

/**
 * RFC 2177 IDLE: updates are sent as they happen until the client says DONE. The
 * autologout timer restarts with every byte either way, so a client re-issuing IDLE
 * every 29 minutes stays connected.
 */
const idle = command({
  name: 'IDLE',
  states: AUTHENTICATED,
  parse: none,
  async run(session) {
    session.write('+ idling\r\n');
    const view = session.view;
    const push = () => {
      session.sendUpdates(true);
      session.conn.writer.flush();
      // RFC 5267 §4.3: live search results change with the mailbox, in IDLE too.
      if (session.contexts.size > 0) void session.refreshContexts().then(() => session.conn.writer.flush());
    };
    if (view) {
      view.onChange = push;
      if (view.pending) push();
    }
    // RFC 5465 §4: NOTIFY's events for other mailboxes go out during IDLE too.
    session.idling = true;
    if (session.notifier) session.notifyChanged();
    const line = await session.readLine();
    session.idling = false;
    if (view) view.onChange = null;
    if (line === null) return ok('IDLE ended');
    if (line.trim().toUpperCase() !== 'DONE') return bad('Expected DONE');
    return ok('IDLE terminated');
  },
});

export const idleCommands: CommandEntry[] = [idle];
