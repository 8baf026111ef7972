import type Mail from 'nodemailer/lib/mailer/index.js';
import { isRecord, isStringArray } from './read-body.js';

/** What POST /api/v1/send asks for, checked. */
export interface SendRequest {
  from: { address: string; name: string };
  to: Array<{ address: string; name: string }>;
  cc: Array<{ address: string; name: string }>;
  bcc: string[];
  replyTo: Array<{ address: string; name: string }>;
  subject: string;
  text: string;
  html: string;
  attachments: Array<{ content: Buffer; filename: string; contentType: string; cid: string }>;
  headers: Record<string, string>;
  tags: string[];
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

// A practical address check (Mailpit validates each Email with Go's mail.ParseAddress).
const ADDRESS = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+$/;
/** Fields the message's own structure owns; Mailpit refuses to let Headers override them. */
const RESERVED = new Set(['to', 'from', 'cc', 'bcc', 'reply-to', 'date', 'subject', 'content-type', 'mime-version']);

function person(value: unknown, field: string): Checked<{ address: string; name: string }> {
  if (!isRecord(value) || typeof value['Email'] !== 'string') return { ok: false, error: `${field}: expected {"Email": "...", "Name": "..."}` };
  const name = value['Name'];
  if (name !== undefined && typeof name !== 'string') return { ok: false, error: `${field}: Name must be a string` };
  if (!ADDRESS.test(value['Email'])) return { ok: false, error: `${field}: invalid email address "${value['Email']}"` };
  return { ok: true, value: { address: value['Email'], name: name ?? '' } };
}

function people(value: unknown, field: string): Checked<Array<{ address: string; name: string }>> {
  if (value === undefined || value === null) return { ok: true, value: [] };
  if (!Array.isArray(value)) return { ok: false, error: `${field}: expected an array` };
  const out: Array<{ address: string; name: string }> = [];
  for (const item of value) {
    const checked = person(item, field);
    if (!checked.ok) return checked;
    out.push(checked.value);
  }
  return { ok: true, value: out };
}

function optionalString(value: unknown, field: string): Checked<string> {
  if (value === undefined || value === null) return { ok: true, value: '' };
  return typeof value === 'string' ? { ok: true, value } : { ok: false, error: `${field}: expected a string` };
}

/** Validates Mailpit's send body (§2.4 of the API reference). */
export function checkSendRequest(body: unknown): Checked<SendRequest> {
  if (!isRecord(body)) return { ok: false, error: 'expected a JSON object' };
  const from = person(body['From'], 'From');
  if (!from.ok) return from;
  const to = people(body['To'], 'To');
  if (!to.ok) return to;
  const cc = people(body['Cc'], 'Cc');
  if (!cc.ok) return cc;
  const replyTo = people(body['ReplyTo'], 'ReplyTo');
  if (!replyTo.ok) return replyTo;
  const bcc = body['Bcc'] ?? [];
  if (!isStringArray(bcc) || bcc.some((a) => !ADDRESS.test(a))) return { ok: false, error: 'Bcc: expected an array of email addresses' };
  const subject = optionalString(body['Subject'], 'Subject');
  if (!subject.ok) return subject;
  const text = optionalString(body['Text'], 'Text');
  if (!text.ok) return text;
  const html = optionalString(body['HTML'], 'HTML');
  if (!html.ok) return html;
  const tags = body['Tags'] ?? [];
  if (!isStringArray(tags)) return { ok: false, error: 'Tags: expected an array of strings' };
  const headers: Record<string, string> = {};
  const rawHeaders = body['Headers'] ?? {};
  if (!isRecord(rawHeaders)) return { ok: false, error: 'Headers: expected an object of strings' };
  for (const [name, value] of Object.entries(rawHeaders)) {
    if (typeof value !== 'string') return { ok: false, error: `Headers: ${name} must be a string` };
    if (!/^[!-9;-~]+$/.test(name)) return { ok: false, error: `Headers: invalid header name "${name}"` };
    if (/[\r\n]/.test(value)) return { ok: false, error: `Headers: ${name} must be one line` };
    const lower = name.toLowerCase();
    if (RESERVED.has(lower) || (lower === 'x-tags' && tags.length > 0)) return { ok: false, error: `Headers: ${name} cannot be set here` };
    headers[name] = value;
  }
  const attachments: SendRequest['attachments'] = [];
  const rawAttachments = body['Attachments'] ?? [];
  if (!Array.isArray(rawAttachments)) return { ok: false, error: 'Attachments: expected an array' };
  for (const item of rawAttachments) {
    if (!isRecord(item) || typeof item['Content'] !== 'string' || typeof item['Filename'] !== 'string') {
      return { ok: false, error: 'Attachments: each needs Content (base64) and Filename' };
    }
    const base64 = item['Content'].replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return { ok: false, error: `Attachments: ${item['Filename']}: Content is not base64` };
    const contentType = optionalString(item['ContentType'], 'Attachments.ContentType');
    if (!contentType.ok) return contentType;
    const cid = optionalString(item['ContentID'], 'Attachments.ContentID');
    if (!cid.ok) return cid;
    attachments.push({ content: Buffer.from(base64, 'base64'), filename: item['Filename'], contentType: contentType.value, cid: cid.value });
  }
  return {
    ok: true,
    value: {
      from: from.value, to: to.value, cc: cc.value, bcc, replyTo: replyTo.value,
      subject: subject.value, text: text.value, html: html.value, attachments, headers, tags,
    },
  };
}

/** Renders the request as an RFC 5322 message (nodemailer's composer: RFC 2047 words, MIME parts). */
export async function renderSendRequest(request: SendRequest, hostname: string): Promise<Buffer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.tags.length > 0) headers['X-Tags'] = request.tags.join(', ');
  const mail: Mail.Options = {
    from: request.from,
    to: request.to,
    cc: request.cc,
    replyTo: request.replyTo,
    subject: request.subject,
    headers,
    date: new Date(),
    messageId: `<${crypto.randomUUID()}@${hostname || 'letterbox'}>`,
    attachments: request.attachments.map((a) => ({
      content: a.content,
      filename: a.filename,
      ...(a.contentType ? { contentType: a.contentType } : {}),
      ...(a.cid ? { cid: a.cid, contentDisposition: 'inline' as const } : {}),
    })),
  };
  if (request.text) mail.text = request.text;
  if (request.html) mail.html = request.html;
  // Bcc recipients stay in the envelope only; no Bcc header is written (RFC 5322 §3.6.3).
  // Loaded on first use: most sandboxes never take mail over this route.
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer/index.js');
  return new MailComposer(mail).compile().build();
}
