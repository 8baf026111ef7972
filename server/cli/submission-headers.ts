/**
 * What sendmail does to a locally submitted message's header before sending it, as
 * Postfix's and sendmail's own do: Date and Message-ID are added when missing (RFC 5322
 * §3.6: every message has a Date; §3.6.4: it should have a Message-ID), and with -t
 * the Bcc field, whose addresses became envelope recipients, is removed so that no
 * recipient sees who else was blind-copied (§3.6.3).
 */
import { randomUUID } from 'node:crypto';
import { rfc5322Date } from '../lib/rfc5322-date.js';
import { editHeaderBlock } from '../mime/header-edit.js';
import { readHeaderBlock } from '../mime/header-block.js';

export interface SubmissionOptions {
  dropBcc: boolean;
  now: Date;
  /** The right-hand side of a new Message-ID. */
  hostname: string;
}

export function completeSubmission(raw: Buffer, options: SubmissionOptions): Buffer {
  const present = new Set(readHeaderBlock(raw, 0, raw.length).fields.map((field) => field.key));
  const add: string[] = [];
  if (!present.has('date')) add.push(`Date: ${rfc5322Date(options.now)}`);
  if (!present.has('message-id')) add.push(`Message-ID: <${randomUUID()}@${options.hostname}>`);
  return editHeaderBlock(raw, { drop: options.dropBcc ? (key) => key === 'bcc' : undefined, add });
}
