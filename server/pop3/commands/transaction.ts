/**
 * TRANSACTION-state commands (RFC 1939 §5, §7): STAT, LIST, RETR, DELE, NOOP,
 * RSET, TOP, UIDL.
 */
import { SEEN } from '../../store/types.js';
import type { Pop3Failure } from '../failures.js';
import type { MaildropEntry } from '../maildrop.js';
import { ok } from '../outcome.js';
import { retrChunks, topChunks } from '../wire-form.js';
import { words, type Pop3Command, type Pop3SessionView } from './command.js';

const TRANSACTION = ['transaction'] as const;

/** Lines of a listing, packed into buffers of about 64 KB. */
function listing(lines: Iterable<string>): Buffer[] {
  const chunks: Buffer[] = [];
  let pending: string[] = [];
  let length = 0;
  for (const line of lines) {
    pending.push(line + '\r\n');
    length += line.length + 2;
    if (length >= 64 * 1024) {
      chunks.push(Buffer.from(pending.join(''), 'latin1'));
      pending = [];
      length = 0;
    }
  }
  if (pending.length > 0) chunks.push(Buffer.from(pending.join(''), 'latin1'));
  return chunks;
}

/**
 * LIST and UIDL share a shape: no argument → a listing of every live message;
 * one → that message on the status line.
 */
function scanCommand(line: (entry: MaildropEntry) => string, heading: (session: Pop3SessionView) => string): Pop3Command {
  return {
    states: TRANSACTION,
    run(session, args) {
      const parts = words(args);
      if (parts.length > 1) return { kind: 'bad-syntax', detail: 'Expected at most one message number' };
      const [number] = parts;
      if (number === undefined) {
        const body = listing((function* () {
          for (const entry of session.maildrop.live()) yield `${entry.number} ${line(entry)}`;
        })());
        return ok(heading(session), { body });
      }
      const entry = session.maildrop.find(number);
      if (!('message' in entry)) return entry;
      return ok(`${entry.number} ${line(entry)}`);
    },
  };
}

function maildropSummary(session: Pop3SessionView): string {
  const { count, octets } = session.maildrop.stat();
  return `${count} message${count === 1 ? '' : 's'} (${octets} octets)`;
}

const STAT: Pop3Command = {
  states: TRANSACTION,
  run(session, args) {
    if (args.trim()) return { kind: 'bad-syntax', detail: 'STAT takes no arguments' };
    const { count, octets } = session.maildrop.stat();
    return ok(`${count} ${octets}`);
  },
};

const LIST = scanCommand((entry) => String(entry.size), maildropSummary);

/** RFC 1939 §7: the unique-id is the store's message id: unique, and the same in every session. */
const UIDL = scanCommand((entry) => entry.message.id, () => 'Unique-ID listing follows');

function oneMessage(session: Pop3SessionView, args: string): MaildropEntry | Pop3Failure {
  const parts = words(args);
  if (parts.length !== 1) return { kind: 'bad-syntax', detail: 'Expected one message number' };
  return session.maildrop.find(parts[0] as string);
}

/**
 * The bytes of a maildrop entry (store.readRaw), or the failure to answer when the
 * message left the store since the snapshot.
 */
async function bytesOf(session: Pop3SessionView, entry: MaildropEntry): Promise<Buffer | Pop3Failure> {
  return (await session.store.readRaw(entry.message.id)) ?? { kind: 'removed', number: entry.number };
}

const RETR: Pop3Command = {
  states: TRANSACTION,
  async run(session, args) {
    const entry = oneMessage(session, args);
    if (!('message' in entry)) return entry;
    const raw = await bytesOf(session, entry);
    if (!Buffer.isBuffer(raw)) return raw;
    // RETR leaves mail unread unless asked (Mailpit does the same); TOP never marks.
    if (session.settings.markRead) await session.store.setFlags([entry.message.id], 'add', [SEEN]);
    return ok(`${entry.size} octets`, { body: retrChunks(raw) });
  },
};

const TOP: Pop3Command = {
  states: TRANSACTION,
  async run(session, args) {
    const parts = words(args);
    const [number, lines] = parts;
    if (parts.length !== 2 || number === undefined || lines === undefined) {
      return { kind: 'bad-syntax', detail: 'TOP needs a message number and a line count' };
    }
    if (!/^\d{1,10}$/.test(lines)) return { kind: 'bad-syntax', detail: 'The line count must be a non-negative number' };
    const entry = session.maildrop.find(number);
    if (!('message' in entry)) return entry;
    const raw = await bytesOf(session, entry);
    if (!Buffer.isBuffer(raw)) return raw;
    return ok('Top of message follows', { body: topChunks(raw, Number(lines)) });
  },
};

const DELE: Pop3Command = {
  states: TRANSACTION,
  run(session, args) {
    const entry = oneMessage(session, args);
    if (!('message' in entry)) return entry;
    session.maildrop.markDeleted(entry);
    return ok(`Message ${entry.number} deleted`);
  },
};

const NOOP: Pop3Command = {
  states: TRANSACTION,
  run: (_session, args) => (args.trim() ? { kind: 'bad-syntax', detail: 'NOOP takes no arguments' } : ok('')),
};

const RSET: Pop3Command = {
  states: TRANSACTION,
  run(session, args) {
    if (args.trim()) return { kind: 'bad-syntax', detail: 'RSET takes no arguments' };
    session.maildrop.unmarkAll();
    return ok(`Maildrop has ${maildropSummary(session)}`);
  },
};

export const transactionCommands: Record<string, Pop3Command> = { STAT, LIST, RETR, TOP, DELE, NOOP, RSET, UIDL };
