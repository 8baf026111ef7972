/**
 * Worker-thread side of the body indexer's full MIME parse (see worker-pool.ts): the
 * message bytes come in, the body summary goes out. mailparser runs here so that a
 * large or hostile multipart message costs this thread's time, never the event loop
 * that serves SMTP, IMAP, POP3 and HTTP.
 */
import { parentPort } from 'node:worker_threads';
import { simpleParser } from 'mailparser';
import type { BodySummary } from '../store/types.js';
import { htmlToText, simpleBodyText, summaryOfText } from './body-text.js';
import { isInlinePart } from './parse.js';
import { treeSummary } from './tree-summary.js';

export interface ParseJob {
  id: number;
  raw: Uint8Array;
  /** `simple`: a single-part text message read without mailparser (see simpleBodyText). */
  mode: 'simple' | 'full';
}

export interface ParseResult {
  id: number;
  body: BodySummary;
}

async function summarise(raw: Buffer, mode: ParseJob['mode']): Promise<BodySummary> {
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

parentPort?.on('message', (job: ParseJob) => {
  const raw = Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength);
  void summarise(raw, job.mode).then((body) => parentPort?.postMessage({ id: job.id, body } satisfies ParseResult));
});
