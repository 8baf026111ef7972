import type Mail from 'nodemailer/lib/mailer/index.js';
import { parseMediaType } from '../lib/media-type.js';
import { isCleanTag, TAG_RULE } from '../shapes/tag-rule.js';
import { arrayOf, line, mapOf, nullable, object, required, text, type TypeOf } from './decode-body.js';

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
/**
 * Fields the message's own structure owns; Mailpit refuses to let Headers override them.
 * The transfer encoding is the composer's to choose for each part (RFC 2045 §6).
 */
const RESERVED = new Set(['to', 'from', 'cc', 'bcc', 'reply-to', 'date', 'subject', 'content-type', 'content-transfer-encoding', 'mime-version']);

/** An RFC 5322 §3.6.4 msg-id, in its common dot-atom form: `<left@right>`. */
const MSG_ID = /^<[^<>@\s"]+@[^<>@\s"]+>$/;

/**
 * Standard padded base64 (RFC 4648 §4), as Mailpit decodes it: Node's decoder would skip
 * what is not. A character class and a length, not a repeated group: V8 keeps a
 * backtrack entry per repetition, and a few MB of base64 overflowed its stack.
 */
const isBase64 = (text: string) => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);

/** An RFC 5322 §3.6.8 field name: printable ASCII but the colon. */
const headerName = (name: string): string | undefined => (/^[!-9;-~]+$/.test(name) ? undefined : `invalid header name "${name}"`);

const PERSON = object({ Email: required(line), Name: nullable(line) });
const ATTACHMENT = object({ Content: required(text), Filename: required(line), ContentType: nullable(line), ContentID: nullable(line) });

/**
 * Mailpit's send body (mailpit-api.md §2.4). Optional fields may be null, as Go reads
 * them and as clients in typed languages write "not given"; nothing is removed by it.
 */
export const SEND_BODY = object({
  From: required(PERSON),
  To: nullable(arrayOf(PERSON)),
  Cc: nullable(arrayOf(PERSON)),
  Bcc: nullable(arrayOf(line)),
  ReplyTo: nullable(arrayOf(PERSON)),
  Subject: nullable(line),
  Text: nullable(text),
  HTML: nullable(text),
  Attachments: nullable(arrayOf(ATTACHMENT)),
  Headers: nullable(mapOf(line, headerName)),
  Tags: nullable(arrayOf(line)),
});
type SendBody = TypeOf<typeof SEND_BODY>;

function person(value: { Email: string; Name?: string }, field: string): Checked<{ address: string; name: string }> {
  if (!ADDRESS.test(value.Email)) return { ok: false, error: `${field}: invalid email address "${value.Email}"` };
  return { ok: true, value: { address: value.Email, name: value.Name ?? '' } };
}

function people(values: ReadonlyArray<{ Email: string; Name?: string }> = [], field: string): Checked<Array<{ address: string; name: string }>> {
  const out: Array<{ address: string; name: string }> = [];
  for (const [index, value] of values.entries()) {
    const checked = person(value, `${field}[${index}]`);
    if (!checked.ok) return checked;
    out.push(checked.value);
  }
  return { ok: true, value: out };
}

/** What the schema cannot say: addresses, header names Mailpit reserves, base64 content. */
export function checkSendRequest(body: SendBody): Checked<SendRequest> {
  const from = person(body.From, 'From');
  if (!from.ok) return from;
  const to = people(body.To, 'To');
  if (!to.ok) return to;
  const cc = people(body.Cc, 'Cc');
  if (!cc.ok) return cc;
  const replyTo = people(body.ReplyTo, 'ReplyTo');
  if (!replyTo.ok) return replyTo;
  const bcc = body.Bcc ?? [];
  const badBcc = bcc.find((a) => !ADDRESS.test(a));
  if (badBcc !== undefined) return { ok: false, error: `Bcc: invalid email address "${badBcc}"` };
  if (to.value.length + cc.value.length + bcc.length === 0) return { ok: false, error: 'no recipients: To, Cc and Bcc are all empty' };
  const tags = body.Tags ?? [];
  const unclean = tags.find((tag) => !isCleanTag(tag));
  if (unclean !== undefined) return { ok: false, error: `Tags: ${JSON.stringify(unclean)} is not a tag: ${TAG_RULE}` };
  const headers = body.Headers ?? {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (RESERVED.has(lower) || (lower === 'x-tags' && tags.length > 0)) return { ok: false, error: `Headers: ${name} cannot be set here` };
    // It becomes the message's own Message-ID (renderSendRequest): it must be one.
    if (lower === 'message-id' && !MSG_ID.test(value)) return { ok: false, error: `Headers: ${name} must be <left@right> (RFC 5322 §3.6.4), not ${JSON.stringify(value)}` };
  }
  const attachments: SendRequest['attachments'] = [];
  for (const item of body.Attachments ?? []) {
    const base64 = item.Content.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
    if (!isBase64(base64)) return { ok: false, error: `Attachments: ${item.Filename}: Content is not base64` };
    // RFC 2045 §5.1: type/subtype, then parameters whose values are tokens or quoted strings.
    if (item.ContentType && !parseMediaType(item.ContentType)) return { ok: false, error: `Attachments: ${item.Filename}: ContentType is not a MIME type: ${JSON.stringify(item.ContentType)}` };
    attachments.push({ content: Buffer.from(base64, 'base64'), filename: item.Filename, contentType: item.ContentType ?? '', cid: item.ContentID ?? '' });
  }
  return {
    ok: true,
    value: {
      from: from.value, to: to.value, cc: cc.value, bcc, replyTo: replyTo.value,
      subject: body.Subject ?? '', text: body.Text ?? '', html: body.HTML ?? '', attachments, headers, tags,
    },
  };
}

/** Renders the request as an RFC 5322 message (nodemailer's composer: RFC 2047 words, MIME parts). */
export async function renderSendRequest(request: SendRequest, hostname: string): Promise<Buffer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.tags.length > 0) headers['X-Tags'] = request.tags.join(', ');
  // A Message-ID given is the message's own (a test threading replies sets it), not a second field.
  const given = Object.keys(headers).find((name) => name.toLowerCase() === 'message-id');
  const messageId = given === undefined ? `<${crypto.randomUUID()}@${hostname || 'letterbox'}>` : headers[given];
  if (given !== undefined) delete headers[given];
  const mail: Mail.Options = {
    from: request.from,
    to: request.to,
    cc: request.cc,
    replyTo: request.replyTo,
    subject: request.subject,
    headers,
    date: new Date(),
    messageId,
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
