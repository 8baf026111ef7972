import { fold } from '../../mime/fold.js';
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
