/**
 * Worker-thread side of the parse pool (see worker-pool.ts): message bytes come in, and
 * out goes what was asked — the body indexer's summary or the API's parsed view.
 * mailparser runs here so that a large or hostile message costs this thread's time,
 * never the event loop that serves SMTP, IMAP, POP3 and HTTP.
 */
import { simpleParser } from 'mailparser';
import type { BodySummary } from '../store/types.js';
import { htmlToText, simpleBodyText, summaryOfText } from './body-text.js';
import { isInlinePart, parseRaw } from './parse.js';
import { serveJobs, type Answered } from './serve-jobs.js';
import { treeSummary } from './tree-summary.js';
import { packView, type PackedView } from './view-transfer.js';

export type ParseRequest =
  /** `simple`: a single-part text message read without mailparser (see simpleBodyText). */
  { kind: 'summary'; mode: 'simple' | 'full' } | { kind: 'view' };

export type ParseAnswer = { kind: 'summary'; body: BodySummary } | { kind: 'view'; view: PackedView };

async function summarise(raw: Buffer, mode: 'simple' | 'full'): Promise<BodySummary> {
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

async function answer(raw: Buffer, request: ParseRequest): Promise<Answered<ParseAnswer>> {
  if (request.kind === 'summary') return { answer: { kind: 'summary', body: await summarise(raw, request.mode) }, transfer: [] };
  const { packed, transfer } = packView(await parseRaw(raw));
  return { answer: { kind: 'view', view: packed }, transfer };
}

serveJobs(answer);
