import { AUTHENTICATED, command, no, ok, type CommandEntry } from '../command.js';
import { readDateTime } from '../parser.js';
import { readMailbox } from './mailboxes.js';

/** RFC 3501 §6.3.11 APPEND, with RFC 4315 APPENDUID; the literal may be LITERAL+ (RFC 7888). */
const append = command({
  name: 'APPEND',
  states: AUTHENTICATED,
  parse(r, session) {
    r.sp();
    const mailbox = readMailbox(r, session);
    r.sp();
    let flags: string[] = [];
    if (r.peek() === 0x28) {
      flags = r.list(() => r.flag());
      r.sp();
    }
    let date: Date | undefined;
    if (r.peek() === 0x22) {
      date = readDateTime(r);
      r.sp();
    }
    return { mailbox, flags: flags.filter((f) => f.toLowerCase() !== '\\recent'), date, raw: Buffer.from(r.literalBytes()) };
  },
  run(session, { mailbox, flags, date, raw }) {
    const folder = session.store.folders.get(session.user, mailbox);
    // RFC 3501 §6.3.11: TRYCREATE tells the client it may CREATE and retry.
    if (!folder) return no(`No mailbox ${mailbox}`, 'TRYCREATE');
    if (raw.length === 0) return no('Empty message');
    const message = session.store.deliver({
      raw,
      envelope: { mailFrom: '', rcptTo: [] },
      flags,
      ...(date ? { receivedAt: date } : {}),
      filing: { login: session.user, folder: folder.name },
      client: { via: 'imap', address: session.conn.remoteAddress, username: session.user, secure: session.conn.secure },
    });
    let entry;
    for (let i = folder.entries.length - 1; i >= 0 && !entry; i--) if (folder.entries[i]?.message === message) entry = folder.entries[i];
    return ok('APPEND completed', entry ? `APPENDUID ${folder.uidValidity} ${entry.uid}` : undefined);
  },
});

export const appendCommands: CommandEntry[] = [append];
