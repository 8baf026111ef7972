/**
 * Mailpit's JSON, declared once: what the HTTP front writes (shapes/mailpit-json.ts and
 * the routes), what the typed client reads (client/) and what the web inbox decodes
 * (ui/src/types.ts) all import these types. Fields are settled against Mailpit's own
 * behaviour (mailpit-api.md: Go struct names, so PascalCase, and the list envelope in
 * snake case), so the client reads a real Mailpit just as well; a field Letterbox adds
 * is optional here, since a Mailpit never sends it. Types only: nothing here runs.
 */

export interface Address {
  Name: string;
  Address: string;
}

/**
 * Letterbox only (absent from a Mailpit): how many addresses each list has in the
 * header. A list entry carries at most 50 of each, the full message at most 1,000.
 */
export interface AddressCounts {
  ToCount: number;
  CcCount: number;
  BccCount: number;
  ReplyToCount: number;
}

/**
 * A list item, a search hit, a WebSocket `new` event, a webhook payload. Mailpit leaves
 * From, To, Cc and Bcc null in a list entry when the header is absent; its live event
 * and webhook send `{}` and `[]` instead, as Letterbox always does.
 */
export interface MessageSummary extends Partial<AddressCounts> {
  ID: string;
  MessageID: string;
  Read: boolean;
  From: Address | null;
  To: Address[] | null;
  Cc: Address[] | null;
  Bcc: Address[] | null;
  /** Always an array, even in a Mailpit's list entry. */
  ReplyTo: Address[];
  Subject: string;
  /** RFC 3339, the time received. */
  Created: string;
  /** The SMTP or send-API login; '' when there was none. */
  Username: string;
  Tags: string[];
  /** Bytes of the whole raw message. */
  Size: number;
  /** Attachments, not inline parts. */
  Attachments: number;
  Snippet: string;
}

export interface Attachment {
  /** The MIME path, e.g. `2` or `1.2`. */
  PartID: string;
  FileName: string;
  ContentType: string;
  ContentID: string;
  Size: number;
  Checksums: { MD5: string; SHA1: string; SHA256: string };
}

export interface ListUnsubscribe {
  Header: string;
  Links: string[];
  Errors: string;
  HeaderPost: string;
}

/** Letterbox only: the SMTP envelope (MAIL FROM, RCPT TO) the message came with. */
export interface MessageEnvelope {
  From: string;
  To: string[];
}

/** The full message (`GET /api/v1/message/{ID}`; fetching it marks it read). */
export interface Message extends Partial<AddressCounts> {
  ID: string;
  MessageID: string;
  /** An empty address when the header has none. */
  From: Address;
  To: Address[];
  Cc: Address[];
  Bcc: Address[];
  ReplyTo: Address[];
  ReturnPath: string;
  Subject: string;
  ListUnsubscribe: ListUnsubscribe;
  /** RFC 3339: the Date header, else the time received. */
  Date: string;
  Tags: string[];
  Username: string;
  Text: string;
  HTML: string;
  Size: number;
  Inline: Attachment[];
  Attachments: Attachment[];
  Envelope?: MessageEnvelope;
  /**
   * Letterbox only: why this view is not the whole message (the parser failed, or a cap
   * cut it); '' when it is. Raw, POP3 and IMAP serve the bytes unchanged either way.
   */
  ParseError?: string;
}

/** The list and search envelope, newest first. */
export interface MessagesSummary {
  /** Every message in the mailbox. */
  total: number;
  /** Every unread message in the mailbox. */
  unread: number;
  /** Mailpit's undocumented legacy field: the entries on this page. */
  count: number;
  /** A list: `total`; a search: how many match. */
  messages_count: number;
  /** A list: `unread`; a search: how many matches are unread. */
  messages_unread: number;
  start: number;
  /** Every tag in the mailbox. */
  tags: string[];
  messages: MessageSummary[];
}

/** `GET /api/v1/info`. */
export interface AppInformation {
  Version: string;
  /** '' when the lookup failed, `disabled` when there is none (Letterbox never looks). */
  LatestVersion: string;
  Database: string;
  DatabaseSize: number;
  Messages: number;
  Unread: number;
  /** Messages per tag. */
  Tags: Record<string, number>;
  RuntimeStats: {
    /** Seconds. */
    Uptime: number;
    /** Bytes. */
    Memory: number;
    MessagesDeleted: number;
    SMTPAccepted: number;
    SMTPAcceptedSize: number;
    SMTPRejected: number;
    SMTPIgnored: number;
  };
}

/** `GET /api/v1/webui`: what the web inbox needs to know of the server. */
export interface WebUIConfiguration {
  Label: string;
  MessageRelay: {
    Enabled: boolean;
    /** `host:port` of the smarthost; Letterbox writes `MX` when it releases by MX lookup. */
    SMTPServer: string;
    ReturnPath: string;
    /** A pattern; '' when any recipient may be released to. */
    AllowedRecipients: string;
    BlockedRecipients: string;
    OverrideFrom: string;
    PreserveMessageIDs: boolean;
    /** Mailpit's deprecated name for AllowedRecipients. */
    RecipientAllowlist: string;
  };
  SpamAssassin: boolean;
  ChaosEnabled: boolean;
  DuplicatesIgnored: boolean;
  HideDeleteAllButton: boolean;
  /** Letterbox only: `host:port` of the SMTP listener, for the empty inbox; '' when unknown. */
  SMTPAddress?: string;
  /**
   * Letterbox only, with --inboxes: the team inbox this root serves ('' for all of them,
   * or without --inboxes). Mail reaches it by its routing rules, which the empty inbox says.
   */
  Inbox?: string;
}

export interface SendAddress {
  Email: string;
  Name?: string;
}

export interface SendAttachment {
  /** Base64 content. */
  Content: string;
  Filename: string;
  ContentType?: string;
  /** Makes the part inline. */
  ContentID?: string;
}

/** `POST /api/v1/send`. */
export interface SendRequest {
  From: SendAddress;
  To?: SendAddress[];
  Cc?: SendAddress[];
  Bcc?: string[];
  ReplyTo?: SendAddress[];
  Subject?: string;
  Text?: string;
  HTML?: string;
  Attachments?: SendAttachment[];
  Headers?: Record<string, string>;
  Tags?: string[];
}

/** `GET /api/v1/message/{ID}/link-check`: Mailpit's LinkCheckResponse. */
export interface LinkCheckResponse {
  Errors: number;
  Links: LinkStatus[];
}

export interface LinkStatus {
  URL: string;
  /** The HTTP status, or 0 when no answer came (refused, blocked, timed out, bad TLS). */
  StatusCode: number;
  /** The status text ("OK", "Not Found"), or why there was no answer. */
  Status: string;
}

/** GET /api/v1/message/{ID}/sa-check: Mailpit's SpamAssassinResponse; Error says why spamd could not answer. */
export interface SpamAssassinResponse {
  IsSpam: boolean;
  Score: number;
  Error: string;
  Rules: Array<{ Name: string; Score: number; Description: string }>;
}

/**
 * GET /api/v1/message/{ID}/html-check: Mailpit's HTMLCheckResponse. Percentages are of
 * the known client results; NodeLines (1-based lines of the HTML body), Truncated and
 * Notice are Letterbox's additions.
 */
export interface HtmlCheckResponse {
  Platforms: Record<string, string[]>;
  Total: { Nodes: number; Tests: number; Supported: number; Partial: number; Unsupported: number };
  Warnings: HtmlCheckWarning[];
  /** The HTML was larger than the check reads (characters or elements), so only its start was checked. */
  Truncated: boolean;
  /** Why Truncated, or ''. */
  Notice: string;
}

export interface HtmlCheckWarning {
  Slug: string;
  Title: string;
  /** caniemail's description, as caniemail writes it (Markdown). */
  Description: string;
  /** The feature's caniemail.com page. */
  URL: string;
  /** Image formats are filed under html, as Mailpit does. */
  Category: 'html' | 'css';
  Tags: string[];
  Keywords: string;
  NotesByNumber: Record<string, string>;
  Score: { Found: number; Supported: number; Partial: number; Unsupported: number };
  Results: Array<{
    /** e.g. "Gmail Android (2023-09)". */
    Name: string;
    Platform: string;
    /** The family's display name, as in Platforms. */
    Family: string;
    Version: string;
    Support: 'yes' | 'no' | 'partial';
    NoteNumber: string;
  }>;
  /**
   * The 1-based lines of the HTML body (split at LF) where the feature occurs, ascending,
   * at most 100. CSS in a `style` attribute counts on its element's line; in a `<style>`
   * block, on the line of its rule or declaration.
   */
  NodeLines: number[];
}

/** What `extract` finds in a message: links and one-time codes, in order of appearance. */
export interface Extracted {
  ID: string;
  Links: string[];
  Codes: string[];
}

/** One chaos trigger: the reply code to give and how often (percent). */
export interface ChaosTrigger {
  ErrorCode: number;
  Probability: number;
}

/**
 * `GET/PUT /api/v1/chaos`. Mailpit has Sender, Recipient and Authentication; Letterbox
 * adds Connect and Data, which a real Mailpit ignores.
 */
export interface ChaosTriggers {
  Sender?: ChaosTrigger;
  Recipient?: ChaosTrigger;
  Authentication?: ChaosTrigger;
  Connect?: ChaosTrigger;
  Data?: ChaosTrigger;
}

/** `GET/PUT /api/v1/chaos/pause` (Letterbox only). */
export interface ChaosPause {
  /** `off`: mail flows; `discard`: accepted and thrown away; `refuse`: 421 to everything. */
  Mode: 'off' | 'discard' | 'refuse';
}

/** Letterbox only: one recipient of a release and where its delivery stands. */
export interface ReleaseRecipient {
  Address: string;
  Status: 'pending' | 'delivered' | 'retrying' | 'failed';
  /** The SMTP reply that decided it, or what went wrong. */
  Reply: string;
  Attempts: number;
  /** RFC 3339, or null when no retry is due. */
  NextAttempt: string | null;
}

/** Letterbox only: one delivery attempt of a release, with its SMTP transcript. */
export interface ReleaseAttempt {
  Created: string;
  Recipients: Array<{ Address: string; Status: 'delivered' | 'temporary' | 'permanent'; Reply: string }>;
  /** The host tried; '' when DNS found none. */
  Host: string;
  Address: string;
  Outcome: 'delivered' | 'partial' | 'temporary' | 'permanent';
  TLS: boolean;
  DNS: string[];
  Transcript: string[];
}

/** Letterbox only: a release (`GET /api/v1/message/{ID}/releases`, the live `release` event). */
export interface Release {
  ID: string;
  Created: string;
  Trigger: 'api' | 'auto';
  Mode: 'smarthost' | 'mx';
  Sender: string;
  Status: 'running' | 'retrying' | 'done' | 'cancelled';
  Recipients: ReleaseRecipient[];
  Attempts: ReleaseAttempt[];
  /** Every attempt's transcript in one. */
  Transcript: string[];
}

/** Letterbox only: `GET /api/v1/message/{ID}/releases`. */
export interface ReleasesResponse {
  /** Whether release is configured at all. */
  Enabled: boolean;
  Releases: Release[];
}

/**
 * The `Data` of each frame of the live event stream (`<webroot>api/events`, frames
 * `{"Type", "Data"}`, mailpit-api.md §3). Mailpit promises only `new` to be stable;
 * `release` is Letterbox's own.
 */
export interface LiveEventData {
  new: MessageSummary;
  stats: { Total: number; Unread: number; Version: string };
  update: { ID: string; Read: boolean } | { ID: string; Tags: string[] };
  delete: { ID: string };
  /** Many messages changed or went at once: reload. */
  prune: null;
  /** Every message was deleted. */
  truncate: null;
  release: { ID: string; Release: Release };
}

/** One inbox the user may read (GET /api/v1/inboxes, with --inboxes). */
export interface InboxSummary {
  Name: string;
  Messages: number;
  Unread: number;
  /** The inbox's own Mailpit-compatible root: give it to any Mailpit client, with the same Basic auth. */
  URL: string;
  /** When an inbox made with a TTL removes itself (RFC 3339), or null. */
  ExpiresAt: string | null;
}

/** A new inbox (POST /api/v1/inboxes): its SMTP credential is shown this once. */
export interface CreatedInbox {
  Name: string;
  URL: string;
  ExpiresAt: string | null;
  SMTP: { Username: string; Password: string };
}
