import type { ParsedMessage, ParsedPart } from '../mime/parse.js';
import { safeFileName } from '../security/file-name.js';
import { SEEN, type Address, type HeaderSummary, type StoredMessage } from '../store/types.js';
import type { AddressCounts, Address as AddressDto, Attachment, Message, MessageSummary } from './wire-types.js';

/**
 * Mailpit's JSON (types in wire-types.ts) built from stored messages, for every part that
 * speaks it: the HTTP API and its live events, and the webhooks.
 */

export function addressDto(address: Address): AddressDto {
  return { Name: address.name, Address: address.address };
}

/**
 * Addresses per list in a list entry (and live event, webhook): one message naming
 * 20,000 recipients must not make a page of fifty messages megabytes long. The message
 * JSON carries more (as many as the summary keeps, STORED_ADDRESSES in mime/summary.ts).
 */
export const LIST_ADDRESSES = 50;

/**
 * Each address list with its full count beside it (`To` and `ToCount`, …), the list cut
 * to `max` entries. The counts are Letterbox's own fields; Mailpit clients ignore them.
 */
export function addressListsDto(s: HeaderSummary, max: number): Pick<Message, 'To' | 'Cc' | 'Bcc' | 'ReplyTo'> & AddressCounts {
  const cut = (list: readonly Address[]) => list.slice(0, max).map(addressDto);
  return {
    To: cut(s.to),
    Cc: cut(s.cc),
    Bcc: cut(s.bcc),
    ReplyTo: cut(s.replyTo),
    ToCount: s.counts.to,
    CcCount: s.counts.cc,
    BccCount: s.counts.bcc,
    ReplyToCount: s.counts.replyTo,
  };
}

/**
 * Why the message JSON is not the whole message, in sentences: a cap that cut its header
 * summary, the parser failing or a cap stopping it. '' when nothing was left out; the
 * raw bytes are served unchanged either way.
 */
export function parseErrorOf(s: HeaderSummary, parsed: Pick<ParsedMessage, 'error'>): string {
  return [s.truncated && `Header summary cut: ${s.truncated}.`, parsed.error].filter(Boolean).join(' ');
}

/**
 * RFC 3339 in the server's local offset, as Mailpit writes times
 * (`2025-03-08T23:58:34.665+13:00`).
 */
export function rfc3339(date: Date): string {
  const offsetMin = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offsetMin * 60_000);
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  const zone = offsetMin === 0 ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return local.toISOString().slice(0, 23) + zone;
}

export function summaryDto(message: StoredMessage): MessageSummary {
  const s = message.summary;
  return {
    ID: message.id,
    MessageID: s.messageId,
    Read: message.flags.has(SEEN),
    From: s.from ? addressDto(s.from) : null,
    ...addressListsDto(s, LIST_ADDRESSES),
    Subject: s.subject,
    Created: rfc3339(message.receivedAt),
    Username: message.client.username,
    Tags: [...message.tags],
    Size: message.size,
    Attachments: message.body?.attachments ?? 0,
    Snippet: message.body?.snippet ?? '',
  };
}

/** The WebSocket `new` event normalises a missing From to an empty address (as Mailpit). */
export function eventSummaryDto(message: StoredMessage): MessageSummary {
  const dto = summaryDto(message);
  return { ...dto, From: dto.From ?? { Name: '', Address: '' } };
}

export function attachmentDto(part: ParsedPart): Attachment {
  return {
    PartID: part.partId,
    FileName: safeFileName(part.fileName),
    ContentType: part.contentType,
    ContentID: part.contentId,
    Size: part.size,
    Checksums: { ...part.checksums },
  };
}
