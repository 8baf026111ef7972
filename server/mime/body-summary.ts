import { simpleParser } from 'mailparser';
import { htmlToText, simpleBodyText, summaryOfText } from './body-text.js';
import { isInlinePart } from './parse.js';
import { treeSummary } from './tree-summary.js';
import type { BodySummary } from './types.js';

/**
 * How a body summary is read: `simple` for a single-part text message (simpleBodyText,
 * no mailparser), `full` for anything else (the MIME tree's shortcut, else mailparser).
 */
export type SummaryMode = 'simple' | 'full';

/**
 * The body summary of any message, whatever it costs: meant for a worker thread, where a
 * large or hostile message costs that thread's time, never the event loop's.
 */
export async function summariseBody(raw: Buffer, mode: SummaryMode): Promise<BodySummary> {
  const simple = mode === 'simple' ? simpleBodyText(raw) : undefined;
  if (simple) return summaryOfText(simple.text, 0, 0);
  const tree = mode === 'full' ? treeSummary(raw) : undefined;
  if (tree) return tree;
  try {
    // Checksums and attachment decoding beyond what mailparser must do are skipped: the
    // summary needs the text and the counts only.
    const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, keepCidLinks: true, checksumAlgo: false });
    let inline = 0;
    for (const attachment of mail.attachments) if (isInlinePart(attachment)) inline++;
    const text = mail.text ?? '';
    const html = typeof mail.html === 'string' ? mail.html : '';
    // An HTML-only message has no text part; its text is the HTML reduced to text.
    return summaryOfText(text.trim() === '' && html ? htmlToText(html) : text, mail.attachments.length - inline, inline);
  } catch {
    // As parseRaw does: a message mailparser cannot read is searched as its raw text.
    return summaryOfText(raw.toString('utf8'), 0, 0);
  }
}
