import { AUTHENTICATED, command, no, ok, type CommandEntry } from '../command.js';
import { readDateTime, type Reader } from '../parser.js';
import type { Session } from '../session.js';
import { readMailbox } from './mailboxes.js';

/**
 * The message: a literal; a literal8 `~{n}` (RFC 3516 §4.4: binary content, NUL
 * allowed, kept byte for byte); or RFC 6855 §4 `UTF8 (~{n}…)` — a message whose headers
 * may hold raw UTF-8, only for a client that enabled UTF8=ACCEPT (or IMAP4rev2).
 */
function readMessage(r: Reader, session: Session): Buffer {
  if (r.peek() === 0x7e) return r.literal8Bytes();
  if (!r.word('UTF8 ')) return r.literalBytes();
  if (!session.utf8) r.fail('APPEND UTF8 needs ENABLE UTF8=ACCEPT first');
  r.expect('(');
  const raw = r.literal8Bytes();
  r.expect(')');
  return raw;
}

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
    return { mailbox, flags: flags.filter((f) => f.toLowerCase() !== '\\recent'), date, raw: Buffer.from(readMessage(r, session)) };
  },
  async run(session, { mailbox, flags, date, raw }) {
    const folder = session.store.folder(session.user, mailbox);
    // RFC 3501 §6.3.11: TRYCREATE tells the client it may CREATE and retry.
    if (!folder) return no(`No mailbox ${mailbox}`, 'TRYCREATE');
    if (raw.length === 0) return no('Empty message');
    // The same delivery service as SMTP: size limit, tags, and the OK only once committed.
    const result = await session.ctx.delivery.deliver({
      raw,
      envelope: { mailFrom: '', rcptTo: [] },
      flags,
      ...(date ? { receivedAt: date } : {}),
      filing: { login: session.user, folder: folder.name },
      client: { via: 'imap', address: session.conn.remoteAddress, username: session.user, secure: session.conn.secure },
    });
    // RFC 4469 §5 / RFC 5530 §3: TOOBIG for a message past the limit; UNAVAILABLE for a failure worth retrying.
    if (!result.ok) return result.refusal.reason === 'too-large' ? no(`Message exceeds the maximum size of ${result.refusal.maxSize} bytes`, 'TOOBIG') : no('Could not save the message, try again', 'UNAVAILABLE');
    const { message } = result;
    let entry;
    for (let i = folder.entries.length - 1; i >= 0 && !entry; i--) if (folder.entries[i]?.message === message) entry = folder.entries[i];
    return ok('APPEND completed', entry ? `APPENDUID ${folder.uidValidity} ${entry.uid}` : undefined);
  },
});

export const appendCommands: CommandEntry[] = [append];
