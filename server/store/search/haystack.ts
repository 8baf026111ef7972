import type { Address, StoredMessage } from '../types.js';

/** Lower-cased header fields of a message, computed once per message and kept beside it. */
export interface HeaderHaystack {
  from: string;
  to: string;
  cc: string;
  bcc: string;
  replyTo: string;
  subject: string;
  messageId: string;
  /** Everything a plain word is matched against apart from the body. */
  all: string;
}

const cache = new WeakMap<StoredMessage, HeaderHaystack>();

/** Lower-casing for search: Unicode-aware, and NFC so composed and decomposed letters meet. */
export function fold(text: string): string {
  // Pure ASCII is already in NFC; skipping the ICU call matters at 100,000 messages.
  return (NON_ASCII.test(text) ? text.normalize('NFC') : text).toLowerCase();
}

const NON_ASCII = /[^\x00-\x7f]/;

function addresses(list: readonly Address[]): string {
  return fold(list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', '));
}

export function headerHaystack(message: StoredMessage): HeaderHaystack {
  let hay = cache.get(message);
  if (hay) return hay;
  const s = message.summary;
  const from = s.from ? addresses([s.from]) : '';
  const to = addresses(s.to);
  const cc = addresses(s.cc);
  const bcc = addresses(s.bcc);
  const replyTo = addresses(s.replyTo);
  const subject = fold(s.subject);
  const messageId = fold(s.messageId);
  hay = { from, to, cc, bcc, replyTo, subject, messageId, all: [subject, from, to, cc, bcc, replyTo].join('\n') };
  cache.set(message, hay);
  return hay;
}
