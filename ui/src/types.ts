import type {
  Address,
  AddressCounts,
  Attachment,
  ListUnsubscribe,
  MessageEnvelope,
  MessagesSummary,
  MessageSummary,
  Message as WireMessage,
  WebUIConfiguration,
} from '../../server/shapes/wire-types.js';
import { type Json, isObject, num, objects, str, strings, bool } from './json.js';

export type { Address, Attachment };

/** `T` with the fields `K` always present and never null: the decoders below fill them in. */
type Settled<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };

/**
 * A list entry as the inbox keeps it: a Mailpit's null lists read as empty, and the
 * counts Letterbox adds beside its capped lists are the lists' lengths when absent.
 */
export type Summary = Settled<MessageSummary, 'To' | 'Cc' | 'Bcc' | keyof AddressCounts>;

/** The message as the inbox keeps it; Envelope stays absent when the server sends none. */
export type Message = Settled<WireMessage, keyof AddressCounts | 'ParseError'>;

export type ListPage = Omit<MessagesSummary, 'messages'> & { messages: Summary[] };

/** SMTPAddress and Inbox, Letterbox additions, are '' when the server (a Mailpit) sends none. */
export type WebUi = Settled<WebUIConfiguration, 'SMTPAddress' | 'Inbox'>;

export const NO_WEBUI: WebUi = {
  Label: '',
  MessageRelay: {
    Enabled: false,
    SMTPServer: '',
    ReturnPath: '',
    AllowedRecipients: '',
    BlockedRecipients: '',
    OverrideFrom: '',
    PreserveMessageIDs: false,
    RecipientAllowlist: '',
  },
  SpamAssassin: false,
  ChaosEnabled: false,
  DuplicatesIgnored: false,
  HideDeleteAllButton: false,
  SMTPAddress: '',
  Inbox: '',
};

export function toAddress(v: unknown): Address | null {
  if (!isObject(v)) return null;
  const a = { Name: str(v, 'Name'), Address: str(v, 'Address') };
  return a.Name || a.Address ? a : null;
}

function addresses(o: Json, key: string): Address[] {
  return objects(o, key).map(toAddress).filter((a): a is Address => a !== null);
}

/** The `<key>Count` Letterbox adds beside each address list; a Mailpit sends none, so it is the list's length. */
function counts(o: Json): AddressCounts {
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
    ReplyTo: addresses(v, 'ReplyTo'),
    ...counts(v),
    Subject: str(v, 'Subject'),
    Created: str(v, 'Created'),
    Username: str(v, 'Username'),
    Tags: strings(v, 'Tags'),
    Size: num(v, 'Size'),
    Attachments: num(v, 'Attachments'),
    Snippet: str(v, 'Snippet'),
  };
}

function toAttachment(v: Json): Attachment {
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

function toEnvelope(v: unknown): MessageEnvelope | null {
  if (!isObject(v)) return null;
  const from = typeof v['From'] === 'string' ? v['From'] : (toAddress(v['From'])?.Address ?? str(v, 'MailFrom'));
  const to = strings(v, 'To').length > 0 ? strings(v, 'To') : strings(v, 'RcptTo');
  return { From: from, To: to.length > 0 ? to : addresses(v, 'To').map((a) => a.Address) };
}

function toListUnsubscribe(v: unknown): ListUnsubscribe {
  const o = isObject(v) ? v : {};
  return { Header: str(o, 'Header'), Links: strings(o, 'Links'), Errors: str(o, 'Errors'), HeaderPost: str(o, 'HeaderPost') };
}

export function toMessage(v: unknown): Message | null {
  if (!isObject(v) || !str(v, 'ID')) return null;
  const envelope = toEnvelope(v['Envelope']);
  return {
    ID: str(v, 'ID'),
    MessageID: str(v, 'MessageID'),
    From: toAddress(v['From']) ?? { Name: '', Address: '' },
    To: addresses(v, 'To'),
    Cc: addresses(v, 'Cc'),
    Bcc: addresses(v, 'Bcc'),
    ReplyTo: addresses(v, 'ReplyTo'),
    ...counts(v),
    ReturnPath: str(v, 'ReturnPath'),
    Subject: str(v, 'Subject'),
    ListUnsubscribe: toListUnsubscribe(v['ListUnsubscribe']),
    Date: str(v, 'Date'),
    Tags: strings(v, 'Tags'),
    Username: str(v, 'Username'),
    Text: str(v, 'Text'),
    HTML: str(v, 'HTML'),
    Size: num(v, 'Size'),
    Inline: objects(v, 'Inline').map(toAttachment),
    Attachments: objects(v, 'Attachments').map(toAttachment),
    ...(envelope ? { Envelope: envelope } : {}),
    ParseError: str(v, 'ParseError'),
  };
}

export function toListPage(v: unknown): ListPage | null {
  if (!isObject(v) || !Array.isArray(v['messages'])) return null;
  const messages = v['messages'].map(toSummary).filter((s): s is Summary => s !== null);
  return {
    total: num(v, 'total'),
    unread: num(v, 'unread'),
    count: typeof v['count'] === 'number' ? num(v, 'count') : messages.length,
    messages_count: num(v, 'messages_count'),
    messages_unread: num(v, 'messages_unread'),
    start: num(v, 'start'),
    tags: strings(v, 'tags'),
    messages,
  };
}

export function toWebUi(v: unknown): WebUi {
  if (!isObject(v)) return NO_WEBUI;
  const relay = isObject(v['MessageRelay']) ? v['MessageRelay'] : {};
  return {
    Label: str(v, 'Label'),
    MessageRelay: {
      Enabled: bool(relay, 'Enabled'),
      SMTPServer: str(relay, 'SMTPServer'),
      ReturnPath: str(relay, 'ReturnPath'),
      AllowedRecipients: str(relay, 'AllowedRecipients'),
      BlockedRecipients: str(relay, 'BlockedRecipients'),
      OverrideFrom: str(relay, 'OverrideFrom'),
      PreserveMessageIDs: bool(relay, 'PreserveMessageIDs'),
      RecipientAllowlist: str(relay, 'RecipientAllowlist'),
    },
    SpamAssassin: bool(v, 'SpamAssassin'),
    ChaosEnabled: bool(v, 'ChaosEnabled'),
    DuplicatesIgnored: bool(v, 'DuplicatesIgnored'),
    HideDeleteAllButton: bool(v, 'HideDeleteAllButton'),
    SMTPAddress: str(v, 'SMTPAddress'),
    Inbox: str(v, 'Inbox'),
  };
}
