import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../server/client/index.js';
import { checkLinks, MAX_LINKS } from '../../server/http/link-check.js';
import type { LinkCheckResponse } from '../../server/shapes/wire-types.js';
import { startLocalSite, type LocalSite } from '../helpers/local-site.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/** A site on 127.0.0.1 with one path per answer the link check must tell apart. */
function startSite(): Promise<LocalSite> {
  return startLocalSite((path, req, res) => {
    if (path === '/ok') return res.writeHead(200).end();
    if (path === '/moved') return res.writeHead(301, { location: '/ok' }).end();
    if (path === '/loop') return res.writeHead(302, { location: '/loop' }).end();
    if (path === '/get-only') return res.writeHead(req.method === 'HEAD' ? 405 : 204).end();
    if (path === '/silent') return; // never answers
    res.writeHead(404).end();
  });
}

describe('GET /api/v1/message/{ID}/link-check', () => {
  let site: LocalSite;
  let open: TestSandbox;
  let guarded: TestSandbox;

  beforeAll(async () => {
    site = await startSite();
    open = await startTestSandbox({ allowInternalHttpRequests: true });
    guarded = await startTestSandbox();
  });
  afterAll(async () => {
    await Promise.all([open.stop(), guarded.stop(), site.stop()]);
  });

  /** Stores a message whose HTML and text hold these links; returns its id. */
  const deliver = async (box: TestSandbox, links: string[]) => {
    const html = links.map((l) => `<a href="${l}">x</a>`).join(' ');
    const raw = `From: a@red.example\r\nTo: b@blue.example\r\nSubject: links\r\nContent-Type: text/html\r\n\r\n<p>${html}</p>\r\n`;
    return (await box.store.deliver({ raw: Buffer.from(raw), envelope: { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] } })).id;
  };
  const linkCheck = async (box: TestSandbox, id: string, query = '') => {
    const response = await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/message/${id}/link-check${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as LinkCheckResponse;
  };

  it('reports each link as Mailpit does: status code, status text, and a count of errors', async () => {
    const links = [`${site.base}/ok`, `${site.base}/gone`, `${site.base}/moved`, `${site.base}/get-only`];
    const result = await linkCheck(open, await deliver(open, links));
    expect(result.Links).toEqual([
      { URL: `${site.base}/ok`, StatusCode: 200, Status: 'OK' },
      { URL: `${site.base}/gone`, StatusCode: 404, Status: 'Not Found' },
      { URL: `${site.base}/moved`, StatusCode: 301, Status: 'Moved Permanently' },
      // HEAD refused with 405: asked again with GET.
      { URL: `${site.base}/get-only`, StatusCode: 204, Status: 'No Content' },
    ]);
    expect(result.Errors).toBe(1);
    expect(await createClient(`http://127.0.0.1:${open.port('http')}/`).linkCheck('latest')).toEqual(result);
    expect(site.requests).toContain('HEAD /ok');
    expect(site.requests).toContain('GET /get-only');
  });

  it('follows redirects with ?follow=true, and gives up on a loop', async () => {
    const result = await linkCheck(open, await deliver(open, [`${site.base}/moved`, `${site.base}/loop`]), '?follow=true');
    expect(result.Links.map((l) => [l.StatusCode, l.Status])).toEqual([
      [200, 'OK'],
      [0, 'more than 10 redirects'],
    ]);
    expect(result.Errors).toBe(1);
  });

  it('refuses loopback and private addresses by default, without sending them a byte', async () => {
    const before = site.requests.length;
    const port = new URL(site.base).port;
    // Loopback spelled every way a URL allows (hex, one number, short form, IPv4-mapped), and the cloud metadata address.
    const links = [`${site.base}/ok`, `http://localhost:${port}/ok`, `http://0x7f000001:${port}/`, `http://2130706433:${port}/`, `http://127.1:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`, 'http://[::1]:9/', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/'];
    const result = await linkCheck(guarded, await deliver(guarded, links));
    expect(result.Errors).toBe(links.length);
    for (const link of result.Links) {
      expect(link.StatusCode).toBe(0);
      expect(link.Status).toMatch(/loopback, private or special-use address/);
    }
    expect(site.requests.length).toBe(before);
  });

  it('answers 404 for an unknown message, and an empty check for a message without links', async () => {
    expect((await fetch(`http://127.0.0.1:${open.port('http')}/api/v1/message/nope/link-check`)).status).toBe(404);
    expect(await linkCheck(open, await deliver(open, []))).toEqual({ Errors: 0, Links: [] });
  });
});

describe('checkLinks', () => {
  it('stops starting requests once the whole check has had its time, and says which links were left', async () => {
    const site = await startSite();
    try {
      // Ten links that never answer, five at a time, 150 ms each: the first five start at once, the 100 ms are up before the next could.
      const silent = Array.from({ length: 10 }, (_, i) => `${site.base}/silent?${i}`);
      const result = await checkLinks(silent, { follow: false, allowInternal: true, timeoutMs: 150, totalMs: 100 });
      expect(result.Links.map((l) => l.Status)).toEqual([...Array(5).fill('no answer within 150 ms'), ...Array(5).fill("not checked: the link check's 0.1 s were up")]);
      expect(result.Errors).toBe(10);
    } finally {
      await site.stop();
    }
  });

  it('gives a server that never answers up after the time limit, and checks each link once, at most MAX_LINKS', async () => {
    const site = await startSite();
    try {
      const silent = await checkLinks([`${site.base}/silent`], { follow: false, allowInternal: true, timeoutMs: 200 });
      expect(silent.Links[0]).toEqual({ URL: `${site.base}/silent`, StatusCode: 0, Status: 'no answer within 200 ms' });
      const many = Array.from({ length: MAX_LINKS + 20 }, (_, i) => `${site.base}/ok?${i % (MAX_LINKS + 10)}`);
      const checked = await checkLinks(many, { follow: false, allowInternal: true });
      expect(checked.Links.length).toBe(MAX_LINKS);
      expect(new Set(checked.Links.map((l) => l.URL)).size).toBe(MAX_LINKS);
      expect(checked.Errors).toBe(0);
    } finally {
      await site.stop();
    }
  });

  it('reports links it cannot check instead of failing the whole check', async () => {
    const result = await checkLinks(['ftp://files.example/x', 'http://exa mple.com/'], { follow: false, allowInternal: true });
    expect(result).toEqual({
      Errors: 2,
      Links: [
        { URL: 'ftp://files.example/x', StatusCode: 0, Status: 'ftp: links are not checked' },
        { URL: 'http://exa mple.com/', StatusCode: 0, Status: 'not a valid URL' },
      ],
    });
  });
});
