import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MailpitClient } from 'mailpit-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAnswer, reportRules } from '../../server/spam/spamd-client.js';
import { hasSpamd, startSpamd, type Spamd } from '../helpers/spamd.js';
import { callJson } from '../mcp/mcp-helpers.js';
import { startApi, type ApiBox } from '../http/http-helpers.js';

const JSON_ACCEPT = { accept: 'application/json' };
const SPAMMY = { subject: 'BUY VIAGRA NOW!!! FREE MONEY', text: 'Click here to win $1,000,000 free money viagra casino' };

describe.runIf(hasSpamd())('SpamAssassin check against a real spamd', () => {
  let spamd: Spamd;
  let api: ApiBox;
  beforeAll(async () => {
    spamd = await startSpamd();
    api = await startApi({ enableSpamassassin: { host: '127.0.0.1', port: spamd.port } });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await spamd?.stop();
  });

  it("answers Mailpit's shape: a spammy message is spam, with the rules that said so", async () => {
    const message = await api.send(SPAMMY);
    const response = await fetch(`${api.base}/api/v1/message/${message.id}/sa-check`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as { IsSpam: boolean; Score: number; Error: string; Rules: Array<{ Name: string; Score: number; Description: string }> };
    expect(report.Error).toBe('');
    expect(report.IsSpam).toBe(true);
    expect(report.Score).toBeGreaterThanOrEqual(5);
    const names = report.Rules.map((rule) => rule.Name);
    expect(names).toEqual(expect.arrayContaining(['SUBJ_ALL_CAPS']));
    for (const rule of report.Rules) expect(rule).toEqual({ Name: expect.stringMatching(/^[A-Za-z0-9_]+$/), Score: expect.any(Number), Description: expect.any(String) });
    // The rules add up to the score spamd gave (each is rounded to a tenth in the report).
    expect(Math.abs(report.Rules.reduce((sum, rule) => sum + rule.Score, 0) - report.Score)).toBeLessThan(0.05 * report.Rules.length + 0.01);
  });

  it('a plain message is not spam; the mailpit-api client reads the same answer, for latest too', async () => {
    await api.send({ subject: 'Your order', text: 'Thanks for your order. It ships tomorrow.', headers: { Date: new Date().toUTCString() } });
    const report = await new MailpitClient(api.base).spamAssassinCheck('latest');
    expect(report.Error).toBe('');
    expect(report.IsSpam).toBe(false);
    expect(report.Score).toBeLessThan(5);
  });

  it("an MCP agent gets the same verdict from the check_spam tool", async () => {
    const message = await api.send(SPAMMY);
    const agent = new Client({ name: 'spam-test', version: '1.0.0' });
    await agent.connect(new StreamableHTTPClientTransport(new URL(`${api.base}/mcp`)));
    try {
      const report = await callJson<{ IsSpam: boolean; Rules: Array<{ Name: string }> }>(agent, 'check_spam', { id: message.id });
      expect(report.IsSpam).toBe(true);
      expect(report.Rules.map((rule) => rule.Name)).toContain('SUBJ_ALL_CAPS');
    } finally {
      await agent.close();
    }
  });

  it('says spamd is enabled to the web inbox, and 404s an unknown message', async () => {
    expect(((await (await fetch(`${api.base}/api/v1/webui`)).json()) as { SpamAssassin: boolean }).SpamAssassin).toBe(true);
    expect((await fetch(`${api.base}/api/v1/message/nope/sa-check`, { headers: JSON_ACCEPT })).status).toBe(404);
  });
});

describe('SpamAssassin check without a working spamd', () => {
  let silent: Server;
  let api: ApiBox;
  let closedPort: number;
  beforeAll(async () => {
    // A listener that accepts and never answers: the check must give up, not hang.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    api = await startApi({ enableSpamassassin: { host: '127.0.0.1', port: closedPort } });
  });
  afterAll(async () => {
    await api?.stop();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it('an unreachable spamd is an Error in the answer, not a failed request', async () => {
    const message = await api.send(SPAMMY);
    const report = (await (await fetch(`${api.base}/api/v1/message/${message.id}/sa-check`)).json()) as { Error: string; IsSpam: boolean; Rules: unknown[] };
    expect(report).toEqual({ IsSpam: false, Score: 0, Error: expect.stringMatching(/cannot reach spamd at 127\.0\.0\.1:\d+: .*ECONNREFUSED/), Rules: [] });
  });

  it('is not there at all without --enable-spamassassin', async () => {
    const plain = await startApi();
    try {
      const message = await plain.send(SPAMMY);
      expect((await fetch(`${plain.base}/api/v1/message/${message.id}/sa-check`, { headers: JSON_ACCEPT })).status).toBe(404);
      expect(((await (await fetch(`${plain.base}/api/v1/webui`)).json()) as { SpamAssassin: boolean }).SpamAssassin).toBe(false);
    } finally {
      await plain.stop();
    }
  });
});

describe("reading spamd's answer", () => {
  it('reads the verdict, the rules, and descriptions that go on over several lines', () => {
    const report = [
      'Content analysis details:   (6.1 points, 5.0 required)',
      '',
      ' pts rule name              description',
      '---- ---------------------- --------------------------------------------------',
      ' 2.7 MISSING_DATE           Missing Date: header',
      '-0.0 NO_RELAYS              Informational: message was not relayed via SMTP',
      ' 3.4 LONG_ONE               A description long enough that spamd carries it',
      '                            over to a second line, 12 words in all',
      '',
      'after the table',
    ].join('\n');
    expect(reportRules(report)).toEqual([
      { Name: 'MISSING_DATE', Score: 2.7, Description: 'Missing Date: header' },
      { Name: 'NO_RELAYS', Score: -0, Description: 'Informational: message was not relayed via SMTP' },
      { Name: 'LONG_ONE', Score: 3.4, Description: 'A description long enough that spamd carries it over to a second line, 12 words in all' },
    ]);
    expect(readAnswer(`SPAMD/1.1 0 EX_OK\r\nContent-length: 1\r\nSpam: False ; 1.2 / 5.0\r\n\r\n${report}`)).toMatchObject({ IsSpam: false, Score: 1.2, Error: '' });
  });

  it("turns spamd's refusals and garbage into an Error", () => {
    expect(readAnswer('SPAMD/1.0 76 Bad header line: (EOF)\r\n\r\n').Error).toBe('spamd refused the check: 76 Bad header line: (EOF)');
    expect(readAnswer('HTTP/1.1 400 Bad Request\r\n\r\n').Error).toMatch(/something else than SPAMD/);
    expect(readAnswer('SPAMD/1.1 0 EX_OK\r\n\r\n').Error).toBe('spamd gave no Spam: header');
  });
});
