import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteImageUrls } from '../../server/mime/remote-images.js';
import { startLocalSite, type LocalSite } from '../helpers/local-site.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/** A 1×1 PNG: the signature and enough of a file for a Content-Type check. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** A site on 127.0.0.1 with one path per answer the image fetch must tell apart. */
function startSite(): Promise<LocalSite> {
  return startLocalSite((path, _req, res) => {
    if (path === '/logo.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    if (path === '/moved.png') return res.writeHead(302, { location: '/logo.png' }).end();
    if (path === '/page.png') return res.writeHead(200, { 'content-type': 'text/html' }).end('<script>alert(1)</script>');
    if (path === '/huge.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      // 11 MB in 64 KB writes, past the 10 MB cap; the fetch must stop reading.
      let sent = 0;
      const push = () => {
        while (sent < 11 * 1024 * 1024) {
          sent += 65536;
          if (!res.write(Buffer.alloc(65536))) return res.once('drain', push);
        }
        res.end();
      };
      return push();
    }
    res.writeHead(404).end();
  });
}

describe('remoteImageUrls', () => {
  it('collects the images an HTML body shows, as the browser resolves them, and nothing else', () => {
    const html = `<body background="http://a.test/bg.gif"><img src="https://a.test/1.png?x=1&amp;y=2">
      <img srcset="//a.test/2.png 1x, https://a.test/3.png 2x"><a href="https://a.test/link.png">link</a>
      <script src="https://a.test/s.js"></script><img src="cid:logo"><img src="/relative.png">
      <div style="background:url('https://a.test/4.png')"></div><style>p{background:url(https://a.test/5.png)}</style>
      <td background="https://a.test/6.png"></td><video poster="https://a.test/7.png"></video>
      <svg><image href="https://a.test/8.png"/></svg>`;
    expect([...remoteImageUrls(html)].sort()).toEqual(
      ['http://a.test/bg.gif', 'https://a.test/1.png?x=1&y=2', 'https://a.test/2.png', 'https://a.test/3.png', 'https://a.test/4.png', 'https://a.test/5.png', 'https://a.test/6.png', 'https://a.test/7.png', 'https://a.test/8.png'].sort(),
    );
  });

  it('reads CSS url() values in one pass, so unclosed url( in bulk costs linear time', () => {
    const css = `background:URL( "https://a.test/9.png" ) ; x:url("https://a.test/bad.png) ; ${'url('.repeat(40_000)}`;
    const started = performance.now();
    expect([...remoteImageUrls(`<div style='${css}'>x</div>`)]).toEqual(['https://a.test/9.png']);
    // Read by a backtracking regular expression, 160 KB of `url(` took 18 s.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('GET /api/v1/message/{ID}/remote-image', () => {
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

  const deliver = async (box: TestSandbox, html: string) => {
    const raw = `From: a@red.example\r\nTo: b@blue.example\r\nSubject: images\r\nContent-Type: text/html\r\n\r\n${html}\r\n`;
    return (await box.store.deliver({ raw: Buffer.from(raw), envelope: { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] } })).id;
  };
  const get = (box: TestSandbox, id: string, query: string) =>
    fetch(`http://127.0.0.1:${box.port('http')}/api/v1/message/${id}/remote-image${query}`, { headers: { accept: 'application/json' } });
  const images = (base: string) => ['logo', 'moved', 'page', 'huge', 'missing'].map((n) => `<img src="${base}/${n}.png">`).join('');

  it('serves an image the message names, inert, after following a redirect', async () => {
    const id = await deliver(open, images(site.base));
    for (const path of ['/logo.png', '/moved.png']) {
      const response = await get(open, id, `?url=${encodeURIComponent(site.base + path)}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toMatch(/sandbox/);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);
    }
  });

  it('refuses what is not an image of this message, or not an image at all, with a JSON error', async () => {
    const id = await deliver(open, images(site.base));
    const cases: Array<[string, number, RegExp]> = [
      ['', 400, /one url query parameter/],
      [`?url=${encodeURIComponent(site.base + '/other.png')}`, 400, /not a remote image of this message/],
      [`?url=${encodeURIComponent(site.base + '/logo.png')}&url=x`, 400, /"url" is given more than once/],
      [`?url=${encodeURIComponent(site.base + '/logo.png')}&URL=x`, 400, /unknown query parameter "URL"/],
      [`?url=${encodeURIComponent(site.base + '/logo.png\r\n')}`, 400, /control character/],
      [`?url=${'a'.repeat(9000)}`, 400, /longer than/],
      [`?url=${encodeURIComponent(site.base + '/page.png')}`, 502, /not an image \(text\/html\)/],
      [`?url=${encodeURIComponent(site.base + '/huge.png')}`, 502, /larger than/],
      [`?url=${encodeURIComponent(site.base + '/missing.png')}`, 502, /HTTP 404/],
    ];
    for (const [query, status, error] of cases) {
      const response = await get(open, id, query);
      expect({ query, status: response.status }).toEqual({ query, status });
      expect(((await response.json()) as { Error: string }).Error).toMatch(error);
    }
    expect((await get(open, 'no-such-id', `?url=x`)).status).toBe(404);
  });

  it('never reaches a loopback or private address unless --allow-internal-http-requests', async () => {
    const before = site.requests.length;
    const id = await deliver(guarded, images(site.base));
    const response = await get(guarded, id, `?url=${encodeURIComponent(site.base + '/logo.png')}`);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { Error: string }).Error).toMatch(/loopback, private or special-use/);
    expect(site.requests.length).toBe(before);
  });
});
