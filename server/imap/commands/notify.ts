import { AUTHENTICATED, command, no, ok, type CommandEntry } from '../command.js';
import { Notifier } from '../notifier.js';
import { readNotify, SUPPORTED_EVENTS } from '../notify-spec.js';

/**
 * RFC 5465 NOTIFY SET / NONE. A syntax error is BAD; an event this server does not
 * report is NO [BADEVENT (what it does report)] (§3.1), and the previous NOTIFY stays.
 */
const notify = command({
  name: 'NOTIFY',
  states: AUTHENTICATED,
  parse(r, session) {
    r.sp();
    return readNotify(r, session);
  },
  run(session, spec) {
    if (spec && spec.unsupported.length > 0) return no(`Cannot notify of ${spec.unsupported.join(', ')}`, `BADEVENT (${SUPPORTED_EVENTS.join(' ')})`);
    session.notifier?.close();
    session.notifier = null;
    if (!spec) return ok('NOTIFY completed');
    const notifier = new Notifier(session, spec);
    if (spec.status) notifier.sendInitialStatus();
    session.notifier = notifier;
    return ok('NOTIFY completed');
  },
});

export const notifyCommands: CommandEntry[] = [notify];
