/**
 * What mime reads out of a message (header and body summaries), and the SMTP envelope
 * it reads them against. The store keeps these on each message; mime imports nothing
 * of the store.
 */

export interface Address {
  name: string;
  address: string;
}

/** The SMTP envelope: MAIL FROM (empty string for the null reverse-path `<>`) and RCPT TO. */
export interface Envelope {
  mailFrom: string;
  rcptTo: string[];
}

/** Header-derived facts, computed once at delivery from the header block only. */
export interface HeaderSummary {
  /** Message-ID without angle brackets, or ''. */
  messageId: string;
  from: Address | null;
  to: Address[];
  cc: Address[];
  /** Envelope recipients that appear in neither To nor Cc. */
  bcc: Address[];
  replyTo: Address[];
  /** Decoded from RFC 2047 encoded-words. */
  subject: string;
  /** The Date header, or null when missing or unparsable. */
  date: Date | null;
  returnPath: string;
  /**
   * How many addresses each list holds in the header: the lists above keep at most the
   * first STORED_ADDRESSES (mime/summary.ts) of them.
   */
  counts: AddressCounts;
  /** What a cap left out of this summary, in a sentence; '' when it read everything. */
  truncated: string;
}

export interface AddressCounts {
  to: number;
  cc: number;
  bcc: number;
  replyTo: number;
}

/**
 * Body-derived facts. Costly to compute, so they are filled in after delivery, off the
 * SMTP hot path; `undefined` on a message until then.
 */
export interface BodySummary {
  /** Up to 250 characters of body text, whitespace collapsed. */
  snippet: string;
  /** Count of attachments (not inline parts). */
  attachments: number;
  /** Count of inline parts. */
  inline: number;
  /**
   * Lower-cased decoded text used by full-text search: text body, or HTML reduced to
   * text (see searchTextOf). Absent where the store keeps it outside its index: the
   * PostgreSQL store keeps it in the database and searches it there
   * (MailStore.bodiesContaining), so a node holds nothing that grows with a body.
   */
  searchText?: string;
}
