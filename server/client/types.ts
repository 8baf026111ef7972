/**
 * The shapes of Mailpit's REST API v1 as Letterbox serves them (PascalCase fields, the
 * list envelope in snake case), so the client reads a real Mailpit just as well.
 */

export interface Address {
  Name: string;
  Address: string;
}

/** A list item, a search hit, a WebSocket `new` event, a webhook payload. */
export interface MessageSummary {
  ID: string;
  MessageID: string;
  Read: boolean;
  From: Address | null;
  To: Address[] | null;
  Cc: Address[] | null;
  Bcc: Address[] | null;
  ReplyTo: Address[];
  /**
   * Letterbox only (absent from a Mailpit): how many addresses each list has in the
   * header; a list entry carries at most 50 of them.
   */
  ToCount?: number;
  CcCount?: number;
  BccCount?: number;
  ReplyToCount?: number;
  Subject: string;
  Created: string;
  Username: string;
  Tags: string[];
  Size: number;
  Attachments: number;
  Snippet: string;
}

export interface Attachment {
  PartID: string;
  FileName: string;
  ContentType: string;
  ContentID: string;
  Size: number;
  Checksums?: { MD5: string; SHA1: string; SHA256: string };
}

export interface ListUnsubscribe {
  Header: string;
  Links: string[];
  Errors: string;
  HeaderPost: string;
}

/** The full message (`GET /api/v1/message/{ID}`; fetching it marks it read). */
export interface Message {
  ID: string;
  MessageID: string;
  From: Address | null;
  To: Address[];
  Cc: Address[];
  Bcc: Address[];
  ReplyTo: Address[];
  /** Letterbox only: the full count of each list; the message carries at most 1,000 of each. */
  ToCount?: number;
  CcCount?: number;
  BccCount?: number;
  ReplyToCount?: number;
  ReturnPath: string;
  Subject: string;
  ListUnsubscribe?: ListUnsubscribe;
  Date: string;
  Tags: string[];
  Username: string;
  Text: string;
  HTML: string;
  Size: number;
  Inline: Attachment[];
  Attachments: Attachment[];
  /**
   * Letterbox only: why this view is not the whole message (the parser failed, or a cap
   * cut it); '' when it is. Raw, POP3 and IMAP serve the bytes unchanged either way.
   */
  ParseError?: string;
}

/** The list and search envelope. */
export interface MessagesSummary {
  total: number;
  unread: number;
  count: number;
  messages_count: number;
  messages_unread: number;
  start: number;
  tags: string[];
  messages: MessageSummary[];
}

export interface AppInformation {
  Version: string;
  LatestVersion: string;
  Database: string;
  DatabaseSize: number;
  Messages: number;
  Unread: number;
  Tags: Record<string, number>;
  RuntimeStats: Record<string, number>;
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

/** GET /api/v1/message/{ID}/link-check. StatusCode 0: no answer (Status says why). */
export interface LinkCheckResponse {
  Errors: number;
  Links: Array<{ URL: string; StatusCode: number; Status: string }>;
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
