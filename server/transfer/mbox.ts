/**
 * mbox in its "mboxrd" form (see the mbox(5) manual and RFC 4155): each message
 * starts with a `From ` line and ends with one empty line; a body line matching
 * `>*From ` gets one more `>` on writing and loses one on reading, so any bytes go
 * through unchanged. Message bytes are written as stored (CRLF stays CRLF); the mbox's
 * own separator lines use LF.
 */

const LF = 0x0a;
const FROM_ = Buffer.from('From ');

export interface MboxEntry {
  /** The envelope sender on the `From ` line ('' for the null sender). */
  sender: string;
  receivedAt: Date;
  raw: Buffer;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `From sender Sat Nov 28 22:59:39 2026` (asctime, UTC). */
export function fromLine(sender: string, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const time = `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
  const day = String(at.getUTCDate()).padStart(2, ' ');
  // A sender with spaces would break the line's fields; the null sender is MAILER-DAEMON by custom.
  const who = sender.replace(/\s+/g, '') || 'MAILER-DAEMON';
  return `From ${who} ${DAYS[at.getUTCDay()]} ${MONTHS[at.getUTCMonth()]} ${day} ${time} ${at.getUTCFullYear()}\n`;
}

/** Whether a line (from `start`) is `>*From `. */
function isQuotedFrom(bytes: Buffer, start: number): boolean {
  let i = start;
  while (bytes[i] === 0x3e) i++;
  return bytes.subarray(i, i + 5).equals(FROM_);
}

/** One message as it sits in an mboxrd file: `From ` line, escaped bytes, empty line. */
export function mboxRecord(entry: MboxEntry): Buffer {
  const raw = entry.raw;
  const parts: Buffer[] = [Buffer.from(fromLine(entry.sender, entry.receivedAt))];
  let lineStart = 0;
  let from = 0;
  while (lineStart < raw.length) {
    if (isQuotedFrom(raw, lineStart)) {
      parts.push(raw.subarray(from, lineStart), Buffer.from('>'));
      from = lineStart;
    }
    const end = raw.indexOf(LF, lineStart);
    if (end === -1) break;
    lineStart = end + 1;
  }
  parts.push(raw.subarray(from));
  // The record ends with an empty line. A message that does not end in a line break gets one
  // first, so its last line stays its own (it comes back with that LF: nothing SMTP stores ends so).
  parts.push(Buffer.from(raw.length > 0 && raw[raw.length - 1] === LF ? '\n' : '\n\n'));
  return Buffer.concat(parts);
}

/**
 * Splits an mbox into its messages. A `From ` line starts a message at the start of
 * the file or after an empty line (LF or CRLF); the empty line before it belongs to the
 * mbox, not the message. Quoted `>From ` lines lose one `>`.
 */
export function readMbox(file: Buffer): MboxEntry[] {
  const entries: MboxEntry[] = [];
  let current: { sender: string; receivedAt: Date; start: number } | undefined;
  const finish = (end: number, atEnd: boolean) => {
    if (!current) return;
    let stop = end;
    // Drop the separating empty line: the last LF before the next `From ` line, or at the end
    // of the file when the last line is empty (a file that ends without one loses nothing).
    const emptyLast = !atEnd || file[stop - 2] === LF;
    if (stop > current.start && file[stop - 1] === LF && emptyLast) stop--;
    entries.push({ sender: current.sender, receivedAt: current.receivedAt, raw: unquote(file.subarray(current.start, stop)) });
  };
  let lineStart = 0;
  let previousEmpty = true;
  while (lineStart < file.length) {
    const newline = file.indexOf(LF, lineStart);
    const lineEnd = newline === -1 ? file.length : newline + 1;
    if (previousEmpty && file.subarray(lineStart, lineStart + 5).equals(FROM_)) {
      finish(lineStart, false);
      const parsed = parseFromLine(file.subarray(lineStart, lineEnd).toString('latin1'));
      current = { ...parsed, start: lineEnd };
      previousEmpty = false;
    } else {
      const length = lineEnd - lineStart;
      previousEmpty = length === 1 || (length === 2 && file[lineStart] === 0x0d);
    }
    lineStart = lineEnd;
  }
  finish(file.length, true);
  return entries;
}

/** Whether the bytes look like an mbox (they start with a `From ` line). */
export function looksLikeMbox(bytes: Buffer): boolean {
  return bytes.subarray(0, 5).equals(FROM_);
}

function parseFromLine(line: string): { sender: string; receivedAt: Date } {
  const fields = line.trim().split(/\s+/);
  const sender = fields[1] === 'MAILER-DAEMON' ? '' : (fields[1] ?? '');
  const time = Date.parse(fields.slice(2).join(' ') + ' UTC');
  return { sender, receivedAt: Number.isNaN(time) ? new Date() : new Date(time) };
}

function unquote(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  let lineStart = 0;
  while (lineStart < bytes.length) {
    if (bytes[lineStart] === 0x3e && isQuotedFrom(bytes, lineStart)) {
      parts.push(bytes.subarray(from, lineStart));
      from = lineStart + 1;
    }
    const end = bytes.indexOf(LF, lineStart);
    if (end === -1) break;
    lineStart = end + 1;
  }
  if (from === 0) return bytes;
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}
