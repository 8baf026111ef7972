/**
 * One shared copy of strings that repeat across messages (senders, recipients, client
 * addresses and HELO names), so a store of many similar messages holds each once.
 * Bounded: past the cap the table starts over, which only costs some duplicates.
 */
const MAX_ENTRIES = 10_000;
/** Longer strings are rarely repeated and would make the table's own memory grow. */
const MAX_LENGTH = 320;

let table = new Map<string, string>();

export function intern(text: string): string {
  if (text.length > MAX_LENGTH) return text;
  const known = table.get(text);
  if (known !== undefined) return known;
  if (table.size >= MAX_ENTRIES) table = new Map();
  table.set(text, text);
  return text;
}
