import { type Json, isObject, num, objects, str, strings, bool } from './json.js';

/** Mailpit's shapes (PascalCase), as the API and the WebSocket send them. */
export interface Address {
  Name: string;
  Address: string;
}

export interface Summary {
  ID: string;
  MessageID: string;
  Read: boolean;
  From: Address | null;
  To: Address[];
  Cc: Address[];
  Bcc: Address[];
  /** How many addresses each list has (Letterbox caps the lists of a list entry at 50). */
  ToCount: number;
  CcCount: number;
  BccCount: number;
  ReplyToCount: number;
  Subject: string;
  Created: string;
  Tags: string[];
  Size: number;
  Attachments: number;
  Snippet: string;
}

export interface Part {
  PartID: string;
  FileName: string;
  ContentType: string;
  ContentID: string;
  Size: number;
  Checksums: { MD5: string; SHA1: string; SHA256: string };
}

export interface Envelope {
  From: string;
  To: string[];
}

export interface Message {
  ID: string;
  MessageID: string;
  From: Address | null;
  To: Address[];
  Cc: Address[];
  Bcc: Address[];
  ReplyTo: Address[];
  /** How many addresses each list has (the message carries at most 1,000 of each). */
  ToCount: number;
  CcCount: number;
  BccCount: number;
  ReplyToCount: number;
  ReturnPath: string;
  Subject: string;
  Date: string;
  Tags: string[];
  Text: string;
  HTML: string;
  Size: number;
  Inline: Part[];
  Attachments: Part[];
  /** The SMTP envelope, when the server reports it (a Letterbox extension of Mailpit's shape). */
  Envelope: Envelope | null;
  /** Why the message could not be shown whole (a Letterbox extension); '' when it can. */
  ParseError: string;
}

export interface ListPage {
  total: number;
  unread: number;
  messagesCount: number;
  messagesUnread: number;
  start: number;
  messages: Summary[];
}

export interface WebUi {
  label: string;
  releaseEnabled: boolean;
  hideDeleteAll: boolean;
  /** Whether the server checks mail with SpamAssassin (--enable-spamassassin). */
  spamAssassin: boolean;
  /** Where release delivers: a smarthost `host:port`, `MX` for MX lookup, '' when off. */
  relayServer: string;
  /** The release allow-list as a pattern, '' when any recipient may be released to. */
  allowedRecipients: string;
  /** `host:port` of the SMTP listener (a Letterbox addition to Mailpit's shape), '' when unknown. */
  smtpAddress: string;
}

export const NO_WEBUI: WebUi = { label: '', releaseEnabled: false, hideDeleteAll: false, spamAssassin: false, relayServer: '', allowedRecipients: '', smtpAddress: '' };

export function toAddress(v: unknown): Address | null {
  if (!isObject(v)) return null;
  const a = { Name: str(v, 'Name'), Address: str(v, 'Address') };
  return a.Name || a.Address ? a : null;
}

function addresses(o: Json, key: string): Address[] {
  return objects(o, key).map(toAddress).filter((a): a is Address => a !== null);
}

/** The `<key>Count` Letterbox adds beside each address list; a Mailpit sends none, so it is the list's length. */
function counts(o: Json): Pick<Summary, 'ToCount' | 'CcCount' | 'BccCount' | 'ReplyToCount'> {
  const count = (key: string) => (typeof o[`${key}Count`] === 'number' ? num(o, `${key}Count`) : objects(o, key).length);
  return { ToCount: count('To'), CcCount: count('Cc'), BccCount: count('Bcc'), ReplyToCount: count('ReplyTo') };
}

export function toSummary(v: unknown): Summary | null {
  if (!isObject(v) || !str(v, 'ID')) return null;
  return {
    ID: str(v, 'ID'),
    MessageID: str(v, 'MessageID'),
    Read: bool(v, 'Read'),
    From: toAddress(v['From']),
    To: addresses(v, 'To'),
    Cc: addresses(v, 'Cc'),
    Bcc: addresses(v, 'Bcc'),
    ...counts(v),
    Subject: str(v, 'Subject'),
    Created: str(v, 'Created'),
    Tags: strings(v, 'Tags'),
    Size: num(v, 'Size'),
    Attachments: num(v, 'Attachments'),
    Snippet: str(v, 'Snippet'),
  };
}

function toPart(v: Json): Part {
  const sums = isObject(v['Checksums']) ? v['Checksums'] : {};
  return {
    PartID: str(v, 'PartID'),
    FileName: str(v, 'FileName'),
    ContentType: str(v, 'ContentType'),
    ContentID: str(v, 'ContentID'),
    Size: num(v, 'Size'),
    Checksums: { MD5: str(sums, 'MD5'), SHA1: str(sums, 'SHA1'), SHA256: str(sums, 'SHA256') },
  };
}

function toEnvelope(v: unknown): Envelope | null {
  if (!isObject(v)) return null;
  const from = typeof v['From'] === 'string' ? v['From'] : (toAddress(v['From'])?.Address ?? str(v, 'MailFrom'));
  const to = strings(v, 'To').length > 0 ? strings(v, 'To') : strings(v, 'RcptTo');
  return { From: from, To: to.length > 0 ? to : addresses(v, 'To').map((a) => a.Address) };
}

export function toMessage(v: unknown): Message | null {
  if (!isObject(v) || !str(v, 'ID')) return null;
  return {
    ID: str(v, 'ID'),
    MessageID: str(v, 'MessageID'),
    From: toAddress(v['From']),
    To: addresses(v, 'To'),
    Cc: addresses(v, 'Cc'),
    Bcc: addresses(v, 'Bcc'),
    ReplyTo: addresses(v, 'ReplyTo'),
    ...counts(v),
    ReturnPath: str(v, 'ReturnPath'),
    Subject: str(v, 'Subject'),
    Date: str(v, 'Date'),
    Tags: strings(v, 'Tags'),
    Text: str(v, 'Text'),
    HTML: str(v, 'HTML'),
    Size: num(v, 'Size'),
    Inline: objects(v, 'Inline').map(toPart),
    Attachments: objects(v, 'Attachments').map(toPart),
    Envelope: toEnvelope(v['Envelope']),
    ParseError: str(v, 'ParseError'),
  };
}

export function toListPage(v: unknown): ListPage | null {
  if (!isObject(v) || !Array.isArray(v['messages'])) return null;
  return {
    total: num(v, 'total'),
    unread: num(v, 'unread'),
    messagesCount: num(v, 'messages_count'),
    messagesUnread: num(v, 'messages_unread'),
    start: num(v, 'start'),
    messages: v['messages'].map(toSummary).filter((s): s is Summary => s !== null),
  };
}

export function toWebUi(v: unknown): WebUi {
  if (!isObject(v)) return NO_WEBUI;
  const relay = isObject(v['MessageRelay']) ? v['MessageRelay'] : {};
  return {
    label: str(v, 'Label'),
    releaseEnabled: bool(relay, 'Enabled'),
    hideDeleteAll: bool(v, 'HideDeleteAllButton'),
    spamAssassin: bool(v, 'SpamAssassin'),
    relayServer: str(relay, 'SMTPServer'),
    allowedRecipients: str(relay, 'AllowedRecipients'),
    smtpAddress: str(v, 'SMTPAddress'),
  };
}
