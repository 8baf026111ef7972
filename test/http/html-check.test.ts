import { MailpitClient } from 'mailpit-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, LetterboxApiError } from '../../server/client/index.js';
import type { HtmlCheckResponse, HtmlCheckWarning } from '../../server/shapes/wire-types.js';
import { MAX_CHECK_CHARS, MAX_CHECK_ELEMENTS } from '../../server/http/html-check.js';
import { startApi, type ApiBox } from './http-helpers.js';

/** A newsletter using features email clients disagree on; each sits on a known line. */
const NEWSLETTER = [
  '<!doctype html>', // 1
  '<html><head><style>', // 2
  '.row { display: flex; gap: 8px }', // 3
  'a:hover { color: rgb(10, 20, 30) }', // 4
  '@media (prefers-color-scheme: dark) { .row { background-color: #000 } }', // 5
  '</style></head><body>', // 6
  '<div class="row" style="margin: 1rem">', // 7
  '<svg width="16" height="16"><circle r="4"/></svg>', // 8
  '<img src="https://cdn.example.test/logo.webp" alt="logo">', // 9
  '</div></body></html>', // 10
].join('\n');

let api: ApiBox;
let url: (id: string, query?: string) => string;

beforeAll(async () => {
  api = await startApi();
  url = (id, query = '') => `${api.base}/api/v1/message/${id}/html-check${query}`;
});
afterAll(async () => {
  await api.stop();
});

const byslug = (check: HtmlCheckResponse, slug: string): HtmlCheckWarning => {
  const warning = check.Warnings.find((w) => w.Slug === slug);
  if (!warning) throw new Error(`no warning ${slug} among ${check.Warnings.map((w) => w.Slug).join(', ')}`);
  return warning;
};
const sum = (score: { Supported: number; Partial: number; Unsupported: number }) => score.Supported + score.Partial + score.Unsupported;

describe('GET /api/v1/message/{ID}/html-check', () => {
  let id = '';
  let check: HtmlCheckResponse;

  beforeAll(async () => {
    id = (await api.send({ subject: 'newsletter', text: 'plain version', html: NEWSLETTER })).id;
    const response = await fetch(url(id));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    check = (await response.json()) as HtmlCheckResponse;
  });

  it('finds the features the HTML uses, with their category and the lines they are on', () => {
    const expected: Array<[string, 'css' | 'html', number[]]> = [
      ['css-display-flex', 'css', [3]],
      ['css-gap', 'css', [3]],
      ['css-pseudo-class-hover', 'css', [4]],
      ['css-rgb', 'css', [4]],
      ['css-at-media', 'css', [5]],
      ['css-at-media-prefers-color-scheme', 'css', [5]],
      ['css-margin', 'css', [7]],
      ['css-unit-rem', 'css', [7]],
      ['html-style', 'html', [2]],
      ['html-svg', 'html', [8]],
      ['html-body', 'html', [6]],
      ['html-doctype', 'html', [1]],
      ['image-webp', 'html', [9]],
    ];
    for (const [slug, category, lines] of expected) {
      const warning = byslug(check, slug);
      expect(warning.Category, slug).toBe(category);
      expect(warning.NodeLines, slug).toEqual(lines);
      expect(warning.URL, slug).toBe(`https://www.caniemail.com/features/${slug}/`);
    }
    // Not used, so not reported.
    for (const slug of ['css-display-grid', 'html-video', 'css-position', 'image-gif']) expect(check.Warnings.some((w) => w.Slug === slug), slug).toBe(false);
  });

  it('scores each warning from its per-client results, in percent of the known results', () => {
    for (const warning of check.Warnings) {
      const results = warning.Results;
      const share = (support: string) => (results.filter((r) => r.Support === support).length / results.length) * 100;
      expect(results.length, warning.Slug).toBeGreaterThan(0);
      expect(warning.Score.Supported, warning.Slug).toBeCloseTo(share('yes'), 9);
      expect(warning.Score.Partial, warning.Slug).toBeCloseTo(share('partial'), 9);
      expect(warning.Score.Unsupported, warning.Slug).toBeCloseTo(share('no'), 9);
      expect(sum(warning.Score), warning.Slug).toBeCloseTo(100, 9);
      expect(warning.Score.Found, warning.Slug).toBeGreaterThanOrEqual(warning.NodeLines.length);
      for (const result of results) {
        expect(['yes', 'no', 'partial']).toContain(result.Support);
        expect(result.Name.startsWith(`${result.Family} `), result.Name).toBe(true);
        expect(result.Name.endsWith(` (${result.Version})`), result.Name).toBe(true);
        expect(check.Platforms[result.Platform], result.Name).toContain(result.Family);
        if (result.NoteNumber !== '') expect(warning.NotesByNumber[result.NoteNumber], `${warning.Slug} note ${result.NoteNumber}`).toBeTypeOf('string');
      }
    }
    // display:flex is partly supported in Gmail on Android (caniemail note 1: "non Google accounts").
    const flex = byslug(check, 'css-display-flex');
    expect(flex.Results.some((r) => r.Support === 'partial' && r.NoteNumber === '1')).toBe(true);
    // <svg> does not show in Gmail at all.
    const svg = byslug(check, 'html-svg');
    expect(svg.Results.filter((r) => r.Family === 'Gmail').every((r) => r.Support === 'no')).toBe(true);
  });

  it('gives a total that is the mean of the warnings and sums to 100; worst warnings first', () => {
    const mean = (pick: (w: HtmlCheckWarning) => number) => check.Warnings.reduce((s, w) => s + pick(w), 0) / check.Warnings.length;
    expect(check.Total.Partial).toBeCloseTo(mean((w) => w.Score.Partial), 9);
    expect(check.Total.Unsupported).toBeCloseTo(mean((w) => w.Score.Unsupported), 9);
    expect(sum(check.Total)).toBeCloseTo(100, 9);
    expect(check.Total.Nodes).toBe(8); // html head style body div svg circle img
    expect(check.Total.Tests).toBeGreaterThan(250);
    const badness = check.Warnings.map((w) => w.Score.Partial + w.Score.Unsupported);
    expect(badness).toEqual([...badness].sort((a, b) => b - a));
    expect(check.Truncated).toBe(false);
    expect(check.Notice).toBe('');
    expect(Object.keys(check.Platforms)).toEqual(expect.arrayContaining(['ios', 'android', 'desktop-webmail', 'windows', 'macos']));
    expect(check.Platforms['windows']).toContain('Outlook');
  });

  it('takes latest as the ID, with ?query= as Mailpit does', async () => {
    await api.send({ subject: 'plain only', text: 'no html here' });
    const latest = await fetch(url('latest'));
    expect(latest.status).toBe(400);
    const matching = await fetch(url('latest', '?query=subject:newsletter'));
    expect(matching.status).toBe(200);
    expect(((await matching.json()) as HtmlCheckResponse).Warnings.map((w) => w.Slug)).toEqual(check.Warnings.map((w) => w.Slug));
  });

  it('answers 400 for a message without HTML, 404 for an unknown ID, as text or as JSON', async () => {
    const plain = (await api.send({ subject: 'plain text', text: 'just words' })).id;
    const text = await fetch(url(plain));
    expect(text.status).toBe(400);
    expect(await text.text()).toBe('message does not contain HTML');
    const json = await fetch(url(plain), { headers: { accept: 'application/json' } });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ Error: 'message does not contain HTML' });
    const unknown = await fetch(url('NoSuchMessage0000000000'));
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('404 page not found');
  });

  it('is htmlCheck() in the mailpit-api client and in the Letterbox client', async () => {
    const mailpit = await new MailpitClient(api.base).htmlCheck(id);
    expect(mailpit.Warnings.map((w) => w.Slug)).toEqual(check.Warnings.map((w) => w.Slug));
    expect(mailpit.Total).toEqual(check.Total);
    const ours = await createClient(api.base).htmlCheck(id);
    expect(ours).toEqual(check);
    const plain = (await api.send({ subject: 'plain again', text: 'still words' })).id;
    const refused = await createClient(api.base)
      .htmlCheck(plain)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LetterboxApiError);
    expect((refused as LetterboxApiError).status).toBe(400);
  });
});

describe('html-check on hostile HTML', () => {
  it('checks only the start of a 100,000-deep nest of elements, and says so', async () => {
    const html = `<div style="display:grid">${'<div><span>'.repeat(50_000)}</body>`;
    const { id } = await api.send({ subject: 'deep', html });
    const response = await fetch(url(id));
    expect(response.status).toBe(200);
    const check = (await response.json()) as HtmlCheckResponse;
    expect(check.Total.Nodes).toBe(MAX_CHECK_ELEMENTS);
    expect(check.Truncated).toBe(true);
    expect(check.Notice).toContain(`first ${MAX_CHECK_ELEMENTS} elements`);
    expect(byslug(check, 'css-display-grid').NodeLines).toEqual([1]);
  });

  it('checks only the start of a body past its size limit, and says so', async () => {
    const line = '<p style="color:red">hello</p>\r\n';
    const html = `<table cellpadding="2"><tr><td>x</td></tr></table>\r\n${line.repeat(Math.ceil((MAX_CHECK_CHARS * 5) / line.length))}<video src="v.mp4"></video>`;
    // Sent as written: nodemailer's quoted-printable encoding of megabytes would only slow the test.
    const raw = `From: a@example.test\r\nTo: b@example.test\r\nSubject: huge\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n`;
    const { id } = await api.send({ envelope: { from: 'a@example.test', to: ['b@example.test'] }, raw });
    const response = await fetch(url(id));
    expect(response.status).toBe(200);
    const check = (await response.json()) as HtmlCheckResponse;
    expect(check.Truncated).toBe(true);
    expect(check.Notice).toContain(`first ${MAX_CHECK_CHARS} of`);
    expect(byslug(check, 'html-cellpadding').NodeLines).toEqual([1]);
    // Past the part that was read.
    expect(check.Warnings.some((w) => w.Slug === 'html-video')).toBe(false);
  });
});
