/**
 * A SpamAssassin check over spamd's own protocol (SPAMC/1.5, as spamc speaks it):
 * one TCP connection per message, a REPORT request, and the report's table of rules
 * read back into Mailpit's `sa-check` shape. Every wait is bounded, and so is what is
 * read: a misbehaving spamd gives an `Error`, never a hang or a crash.
 */
import { connect } from 'node:net';
import type { SpamAssassinResponse as SpamReport } from '../shapes/wire-types.js';
import type { HostPort } from '../lib/host-port.js';

export type { SpamReport };
type SpamRule = SpamReport['Rules'][number];

export interface SpamdOptions {
  /** The whole exchange: connect, send, wait for the verdict. */
  timeoutMs: number;
  /** Larger messages are not sent, as spamc's --max-size (default 500 KB) does. */
  maxMessageBytes: number;
}

/** A spamd answer for one message is a report of a few KB; past this it is not one. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export function spamdCheck(at: HostPort, message: Buffer, options: SpamdOptions): Promise<SpamReport> {
  if (message.length > options.maxMessageBytes) {
    return Promise.resolve(failed(`not checked: the message is larger than ${options.maxMessageBytes} bytes (as spamc, spamd is not given larger ones)`));
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (report: SpamReport) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(report);
    };
    const socket = connect({ host: at.host, port: at.port });
    const timer = setTimeout(() => finish(failed(`spamd at ${at.host}:${at.port} did not answer within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
    socket.on('connect', () => {
      // SPAMC/1.5: the request line, Content-length, a blank line, then the message.
      socket.write(`REPORT SPAMC/1.5\r\nContent-length: ${message.length}\r\n\r\n`);
      socket.end(message);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_ANSWER_BYTES) return finish(failed('spamd answered with more than 1 MB'));
      chunks.push(chunk);
    });
    socket.on('end', () => finish(readAnswer(Buffer.concat(chunks).toString('utf8'))));
    socket.on('error', (error) => finish(failed(`cannot reach spamd at ${at.host}:${at.port}: ${error.message}`)));
  });
}

function failed(error: string): SpamReport {
  return { IsSpam: false, Score: 0, Error: error, Rules: [] };
}

/**
 * `SPAMD/1.1 0 EX_OK`, headers (`Spam: True ; 10.0 / 5.0`), a blank line, the report.
 * A non-zero code is spamd's own refusal (e.g. `76 Bad header line`).
 */
export function readAnswer(answer: string): SpamReport {
  const blank = answer.indexOf('\r\n\r\n');
  const head = (blank < 0 ? answer : answer.slice(0, blank)).split('\r\n');
  const status = /^SPAMD\/\d+\.\d+ (\d+) (.*)$/.exec(head[0] ?? '');
  if (!status) return failed(`spamd answered something else than SPAMD: ${JSON.stringify((head[0] ?? '').slice(0, 80))}`);
  if (status[1] !== '0') return failed(`spamd refused the check: ${status[1]} ${status[2]}`);
  const verdict = head.map((line) => /^Spam: (True|False|Yes|No) ; (-?\d+(?:\.\d+)?) \/ (-?\d+(?:\.\d+)?)$/i.exec(line)).find((m) => m !== null);
  if (!verdict) return failed('spamd gave no Spam: header');
  return {
    IsSpam: /^(true|yes)$/i.test(verdict[1] ?? ''),
    Score: Number(verdict[2]),
    Error: '',
    Rules: blank < 0 ? [] : reportRules(answer.slice(blank + 4)),
  };
}

/**
 * The rules of a report's "Content analysis details" table: after its `----` rule line,
 * one `pts RULE description` line per rule, a long description going on in lines
 * indented under it; the table ends at a blank line.
 */
export function reportRules(report: string): SpamRule[] {
  const lines = report.split(/\r?\n/);
  const start = lines.findIndex((line) => /^-{4} -+ -+\s*$/.test(line));
  if (start < 0) return [];
  const rules: SpamRule[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    // The points column is four wide; a description's own lines are indented far deeper.
    const rule = /^ {0,3}(-?\d+(?:\.\d+)?) +([A-Za-z0-9_]+)(?: +(.*))?$/.exec(line);
    if (rule) rules.push({ Name: rule[2] ?? '', Score: Number(rule[1]), Description: (rule[3] ?? '').trim() });
    else if (/^\s/.test(line) && rules.length > 0) {
      const last = rules[rules.length - 1] as SpamRule;
      last.Description = `${last.Description} ${line.trim()}`;
    }
  }
  return rules;
}
