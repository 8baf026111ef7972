/**
 * One shared copy of what repeats across messages (senders, recipients, client
 * addresses and HELO names, and the envelope and client records made of them), so a
 * store of many similar messages holds each once. Bounded: past the cap a table starts
 * over, which only costs some duplicates.
 */
const MAX_ENTRIES = 10_000;
/** Longer strings are rarely repeated and would make the table's own memory grow. */
const MAX_LENGTH = 320;

let table = new Map<string, string>();
let records = new Map<string, object>();

export function intern(text: string): string {
  if (text.length > MAX_LENGTH) return text;
  const known = table.get(text);
  if (known !== undefined) return known;
  if (table.size >= MAX_ENTRIES) table = new Map();
  table.set(text, text);
  return text;
}

/**
 * One frozen record per `key` (which must say everything the record holds): shared by
 * every message it describes, so none may change it.
 */
export function internRecord<T extends object>(key: string, make: () => T): Readonly<T> {
  if (key.length > MAX_LENGTH * 4) return Object.freeze(make());
  const known = records.get(key);
  if (known !== undefined) return known as T;
  if (records.size >= MAX_ENTRIES) records = new Map();
  const made = Object.freeze(make());
  records.set(key, made);
  return made;
}

/**
 * V8 keeps a substring of 13 characters or more as a view of the string it was cut
 * from, which then stays in memory as long as the substring does: a header value cut
 * out of a header block would keep the whole block. This is the same text as a string
 * of its own (through UTF-16, which carries any string exactly).
 */
export function ownCopy(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf16le').toString('utf16le');
}
