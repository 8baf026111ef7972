/**
 * Messages whose header block is huge, built at test time: a flood of fields before the
 * ones a summary needs, or one address field naming thousands. CRLF text, as an SMTP
 * client sends it.
 */
const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');

/** The fields the summary reads, placed after whatever comes first. */
export const LATE_FIELDS = {
  subject: 'Found past the flood',
  messageId: 'late-fields@blue.example',
  from: 'late@red.example',
  date: 'Tue, 01 Dec 2026 10:00:00 +0000',
};

function lateFields(): string[] {
  return [`From: Late <${LATE_FIELDS.from}>`, `Subject: ${LATE_FIELDS.subject}`, `Message-ID: <${LATE_FIELDS.messageId}>`, `Date: ${LATE_FIELDS.date}`];
}

/** `count` junk fields, then From, Subject, Message-ID and Date. */
export function fieldFlood(count: number): Buffer {
  const lines = ['X-Huge: field-flood', 'To: bob@blue.example'];
  for (let i = 0; i < count; i++) lines.push(`X-Flood-${i}: ${i}`);
  return crlf([...lines, ...lateFields(), '', 'body after the flood']);
}

/** A To field of `count` addresses, one per folded line (RFC 5322 §2.2.3), then the late fields. */
export function addressFlood(count: number): Buffer {
  const to = Array.from({ length: count }, (_, i) => `"User ${i}" <user${i}@blue.example>`).join(',\r\n ');
  return crlf(['X-Huge: address-flood', `To: ${to}`, `Cc: ${to.replace(/user/g, 'copy')}`, ...lateFields(), '', 'body after the addresses']);
}
