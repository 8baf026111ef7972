/**
 * bench/ui: the web inbox in headless Chromium against 100,000 stored messages.
 *   - first row painted on a cold load (fresh browser context, empty cache), ms from navigation start
 *   - opening a message: click on a row → subject painted, ms
 *   - JS+CSS bytes: gzip -9 of the built assets, and what the browser transferred
 * Each figure is also measured against a 50-message inbox in the same run (the ratio shows
 * what the 100,000 cost), and the cold load against a static page holding one row (the
 * browser's own floor on this machine, which a busy machine raises for every page).
 * Targets: first row ≤ 500 ms, open ≤ 150 ms, bundle ≤ 80 KB.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { hasChromium, launchChromium } from '../test/helpers/browser.js';
import { startTestSandbox, type TestSandbox } from '../test/helpers/sandbox.js';
import buildUi from '../test/e2e/global-setup.js';
import { quantile } from './lib/stats.js';

const BIG = 100_000;
const SMALL = 50;
const COLD_LOADS = 7;
const OPENS = 25;

const names = ['Alice Martin', 'Bob Chen', 'Carol Diaz', 'Dan Okafor', 'Eve Larsen', 'Frank Ito', 'Grace Hopper', 'Heidi Novak'];
const topics = ['Invoice', 'Password reset', 'Welcome aboard', 'Weekly report', 'Build failed', 'Order shipped', 'Meeting notes', 'Security alert'];

function message(i: number): Buffer {
  const name = names[i % names.length] ?? 'Sender';
  const from = `${name.split(' ')[0]?.toLowerCase()}@example${i % 13}.test`;
  const body = `Hello,\r\n\r\nThis is message ${i} about ${topics[i % topics.length]}. `.repeat(12);
  return Buffer.from(
    `From: ${name} <${from}>\r\nTo: user${i % 97}@blue.test\r\nSubject: ${topics[i % topics.length]} #${i}\r\n` +
      `Date: ${new Date(Date.UTC(2026, 0, 1) + i * 1000).toUTCString()}\r\nMessage-ID: <${i}@bench.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`,
  );
}

async function filled(count: number): Promise<TestSandbox> {
  const box = await startTestSandbox({ maxMessages: 0, maxBytes: 0 });
  let indexed = 0;
  const done = new Promise<void>((resolve) => {
    box.store.on('indexed', () => {
      if (++indexed === count) resolve();
    });
  });
  for (let i = 0; i < count; i++) box.store.deliver({ raw: message(i), envelope: { mailFrom: 'bench@red.test', rcptTo: [`user${i % 97}@blue.test`] } });
  await done; // body summaries (snippets) are filled in the background; wait so they do not skew the timings
  return box;
}

interface Figures extends ColdLoads {
  open: number[];
}

// Page scripts are strings: tsx would otherwise wrap named functions in a helper the page lacks.
const OPEN_ONE = `new Promise((resolve, reject) => {
  const links = document.querySelectorAll('.row-link');
  const link = links[INDEX % links.length];
  if (!link) return reject(new Error('no rows'));
  const subject = link.querySelector('.subject').textContent;
  const start = performance.now();
  const observer = new MutationObserver(() => {
    if (document.querySelector('#message-subject')?.textContent !== subject) return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - start)));
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  link.click();
})`;

const FIRST_ROW_PROBE = `(() => {
  new MutationObserver((_, observer) => {
    if (!document.querySelector('.row-link')) return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => (window.__firstRow = performance.now())));
  }).observe(document, { childList: true, subtree: true });
})()`;

interface ColdLoads {
  firstRow: number[];
  /** When the script and the first page of the list had arrived (resource timing), to tell network from rendering. */
  scriptArrived: number[];
  listArrived: number[];
  transferred: number;
}

const PHASES = `JSON.stringify(performance.getEntriesByType('resource').map((e) => [new URL(e.name).pathname, e.responseEnd]))`;

async function coldLoads(browser: Browser, base: string): Promise<ColdLoads> {
  const firstRow: number[] = [];
  const scriptArrived: number[] = [];
  const listArrived: number[] = [];
  let transferred = 0;
  for (let run = 0; run < COLD_LOADS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Runs before the app: notes when the first real row is in the DOM, then waits a frame so it is painted.
    await context.addInitScript(FIRST_ROW_PROBE);
    const page = await context.newPage();
    await page.goto(base);
    firstRow.push(await page.waitForFunction(() => (window as unknown as { __firstRow?: number }).__firstRow).then((h) => h.jsonValue() as Promise<number>));
    const phases = JSON.parse((await page.evaluate(PHASES)) as string) as Array<[string, number]>;
    scriptArrived.push(phases.find(([path]) => path.endsWith('.js'))?.[1] ?? NaN);
    listArrived.push(phases.find(([path]) => path.endsWith('/api/v1/messages'))?.[1] ?? NaN);
    transferred = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => /\.(js|css)$/.test(new URL(e.name).pathname))
        .reduce((sum, e) => sum + (e as PerformanceResourceTiming).transferSize, 0),
    );
    await context.close();
  }
  return { firstRow, scriptArrived, listArrived, transferred };
}

async function measure(browser: Browser, base: string): Promise<Figures> {
  const cold = await coldLoads(browser, base);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(base);
  await page.locator('.row-link').first().waitFor();
  const open: number[] = [];
  for (let i = 0; i < OPENS; i++) {
    const ms = (await page.evaluate(OPEN_ONE.replace('INDEX', String(i + 1)))) as number;
    open.push(ms);
  }
  await page.close();
  return { ...cold, open };
}

function assetBytes(): { raw: number; gzip: number } {
  const dir = 'dist/ui/assets';
  let raw = 0;
  let gzip = 0;
  for (const file of readdirSync(dir).filter((f) => /\.(js|css)$/.test(f))) {
    const bytes = readFileSync(join(dir, file));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

if (!hasChromium()) {
  console.log('bench/ui skipped: chromium is not installed (apt-get install chromium)');
  process.exit(0);
}
await buildUi();
const browser = await launchChromium();
const floorServer = createServer((_, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>floor</title><a class="row-link" href="#">one row</a>'));
await new Promise<void>((resolve) => floorServer.listen(0, '127.0.0.1', resolve));
const floor = (await coldLoads(browser, `http://127.0.0.1:${(floorServer.address() as AddressInfo).port}/`)).firstRow;
floorServer.close();
const results: Record<string, Figures> = {};
for (const count of [SMALL, BIG]) {
  const started = Date.now();
  const box = await filled(count);
  console.log(`stored ${count} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  results[count] = await measure(browser, `http://127.0.0.1:${box.port('http')}/`);
  await box.stop(0);
}
await browser.close();

const big = results[BIG] as Figures;
const small = results[SMALL] as Figures;
const row = (label: string, a: number[], b: number[], target: number) => {
  const p50 = quantile(a, 0.5);
  console.log(
    `${label.padEnd(26)} p50 ${p50.toFixed(1).padStart(7)} ms  p95 ${quantile(a, 0.95).toFixed(1).padStart(7)} ms  ` +
      `(${SMALL} msgs: p50 ${quantile(b, 0.5).toFixed(1)} ms, ratio ×${(p50 / quantile(b, 0.5)).toFixed(2)})  target ≤ ${target} ms ${p50 <= target ? 'OK' : 'MISSED'}`,
  );
};
console.log(`\nweb inbox, ${BIG} messages stored, headless Chromium`);
row('first row painted (cold)', big.firstRow, small.firstRow, 500);
const floorP50 = quantile(floor, 0.5);
console.log(`${'  static one-row page'.padEnd(26)} p50 ${floorP50.toFixed(1).padStart(7)} ms  (the browser's floor here; the inbox costs ×${(quantile(big.firstRow, 0.5) / floorP50).toFixed(2)} of it, +${(quantile(big.firstRow, 0.5) - floorP50).toFixed(0)} ms)`);
console.log(
  `${'  of which: script, list'.padEnd(26)} p50 ${quantile(big.scriptArrived, 0.5).toFixed(1).padStart(7)} ms  p50 ${quantile(big.listArrived, 0.5).toFixed(1).padStart(7)} ms  (arrival times from navigation start; the rest is rendering)`,
);
row('open a message', big.open, small.open, 150);
const bytes = assetBytes();
console.log(
  `JS+CSS                     ${(bytes.gzip / 1024).toFixed(1)} KB gzipped (${(bytes.raw / 1024).toFixed(1)} KB raw; browser transferred ${(big.transferred / 1024).toFixed(1)} KB)  target ≤ 80 KB ${bytes.gzip <= 80 * 1024 ? 'OK' : 'MISSED'}`,
);
