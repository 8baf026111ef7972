/** How tool answers read: compact, in the order an agent looks for things. */
import type { Address, Message, MessagesSummary, MessageSummary } from '../shapes/wire-types.js';
import { capText, readableHtml } from './bounds.js';

function address(a: Address | null): string {
  if (!a) return '';
  return a.Name ? `${a.Name} <${a.Address}>` : a.Address;
}

function addresses(list: Address[] | null): string {
  return (list ?? []).map(address).join(', ');
}

/** A list item without the fields an agent does not need, to spend fewer tokens. */
export function brief(m: MessageSummary) {
  return {
    ID: m.ID, Read: m.Read, From: address(m.From), To: addresses(m.To), Subject: m.Subject,
    Created: m.Created, Tags: m.Tags, Size: m.Size, Attachments: m.Attachments, Snippet: m.Snippet,
  };
}

export function page(summary: MessagesSummary): string {
  const { total, unread, start, messages } = summary;
  return JSON.stringify({ total, unread, start, count: messages.length, messages: messages.map(brief) }, null, 1);
}

export type BodyForm = 'text' | 'html_as_text' | 'html';

function body(message: Message, form: BodyForm): string {
  if (form === 'html') return message.HTML || '(this message has no HTML part)';
  if (form === 'text' && message.Text.trim() !== '') return message.Text;
  if (message.HTML) return readableHtml(message.HTML);
  return message.Text || '(this message has no text)';
}

export function messageText(message: Message, form: BodyForm, maxChars: number): string {
  const files = [...message.Attachments, ...message.Inline].map((a) => `${a.FileName || '(unnamed)'} (${a.ContentType}, ${a.Size} bytes, part ${a.PartID})`);
  const head = [
    `ID: ${message.ID}`,
    `From: ${address(message.From)}`,
    `To: ${addresses(message.To)}`,
    ...(message.Cc.length ? [`Cc: ${addresses(message.Cc)}`] : []),
    ...(message.ReplyTo.length ? [`Reply-To: ${addresses(message.ReplyTo)}`] : []),
    `Subject: ${message.Subject}`,
    `Date: ${message.Date}`,
    `Tags: ${message.Tags.join(', ')}`,
    ...(files.length ? [`Attachments: ${files.join('; ')}`] : []),
  ];
  return `${head.join('\n')}\n\n${capText(body(message, form), maxChars)}`;
}
