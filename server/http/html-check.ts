import type { HtmlCheckResponse, HtmlCheckWarning } from '../shapes/wire-types.js';
import { featureData, type Feature, type FeatureData } from './html-check-features.js';
import { scanHtml } from './html-check-scan.js';

type HtmlCheckResult = HtmlCheckWarning['Results'][number];

/**
 * Characters of HTML read at most. Gmail clips a message past 102 kB, so no real email
 * comes near; a hostile 20 MB body is checked on its start and the answer says so.
 */
export const MAX_CHECK_CHARS = 500_000;
/** Elements read at most. */
export const MAX_CHECK_ELEMENTS = 10_000;
/** CSS rules and declarations read at most: a long newsletter has a few thousand. */
export const MAX_CHECK_CSS_ITEMS = 20_000;
/** Line numbers kept per warning. */
export const MAX_LINES = 100;

/**
 * Mailpit's HTML check: which caniemail.com features the HTML uses, and how well each
 * email client supports them. Percentages: a warning's Supported/Partial/Unsupported
 * are the shares of its known client results ("u", unknown, is left out, where Mailpit
 * counts it as partial); the Total is the mean of the warnings' scores, so each sums
 * to 100, and a message using no listed feature is 100% supported.
 */
export function checkHtml(html: string, data: FeatureData = featureData()): HtmlCheckResponse {
  const source = html.length > MAX_CHECK_CHARS ? html.slice(0, MAX_CHECK_CHARS) : html;
  const found = new Map<Feature, number[]>();
  const scan = scanHtml(
    source,
    (token, offset) => {
      for (const feature of data.byToken.get(token) ?? []) {
        const offsets = found.get(feature);
        if (offsets) offsets.push(offset);
        else found.set(feature, [offset]);
      }
    },
    { maxElements: MAX_CHECK_ELEMENTS, maxCssItems: MAX_CHECK_CSS_ITEMS },
  );
  const lineOf = lineIndex(source);
  const warnings = [...found].map(([feature, offsets]) => warning(feature, offsets, lineOf, data));
  warnings.sort((a, b) => b.Score.Unsupported + b.Score.Partial - (a.Score.Unsupported + a.Score.Partial) || b.Score.Found - a.Score.Found || a.Slug.localeCompare(b.Slug));
  const scored = warnings.filter((w) => w.Results.length > 0);
  const mean = (pick: (w: HtmlCheckWarning) => number) => (scored.length === 0 ? 0 : scored.reduce((sum, w) => sum + pick(w), 0) / scored.length);
  const partial = mean((w) => w.Score.Partial);
  const unsupported = mean((w) => w.Score.Unsupported);
  const notices: string[] = [];
  if (source.length < html.length) notices.push(`only the first ${MAX_CHECK_CHARS} of ${html.length} characters were checked`);
  if (scan.truncated) notices.push(`only the first ${MAX_CHECK_ELEMENTS} elements were checked`);
  if (scan.cssTruncated) notices.push(`only the first ${MAX_CHECK_CSS_ITEMS} CSS rules and declarations were checked`);
  return {
    Platforms: data.platforms,
    Total: {
      Nodes: scan.elements,
      Tests: data.features.length,
      Supported: scored.length === 0 ? 100 : 100 - partial - unsupported,
      Partial: partial,
      Unsupported: unsupported,
    },
    Warnings: warnings,
    Truncated: notices.length > 0,
    Notice: notices.join('; '),
  };
}

function warning(feature: Feature, offsets: number[], lineOf: (offset: number) => number, data: FeatureData): HtmlCheckWarning {
  const results = resultsOf(feature, data);
  const count = (support: HtmlCheckResult['Support']) => results.filter((r) => r.Support === support).length;
  const share = (n: number) => (results.length === 0 ? 0 : (n / results.length) * 100);
  const lines = [...new Set(offsets.map(lineOf))].sort((a, b) => a - b).slice(0, MAX_LINES);
  return {
    Slug: feature.slug,
    Title: feature.title,
    Description: feature.description,
    URL: feature.url,
    // Mailpit's API (and the mailpit-api client) knows only css and html, so image formats go under html.
    Category: feature.category === 'css' ? 'css' : 'html',
    Tags: feature.tags,
    Keywords: feature.keywords,
    NotesByNumber: feature.notesByNumber,
    Score: { Found: offsets.length, Supported: share(count('yes')), Partial: share(count('partial')), Unsupported: share(count('no')) },
    Results: results,
    NodeLines: lines,
  };
}

const SUPPORT = { y: 'yes', n: 'no', a: 'partial' } as const;

function resultsOf(feature: Feature, data: FeatureData): HtmlCheckResult[] {
  const results: HtmlCheckResult[] = [];
  for (const [family, platforms] of Object.entries(feature.stats)) {
    const familyName = data.familyNames[family] ?? family;
    for (const [platform, versions] of Object.entries(platforms)) {
      for (const [version, support] of Object.entries(versions)) {
        const kind = support.trim().charAt(0);
        if (kind !== 'y' && kind !== 'n' && kind !== 'a') continue;
        results.push({
          Name: `${familyName} ${data.platformNames[platform] ?? platform} (${version})`,
          Platform: platform,
          Family: familyName,
          Version: version,
          Support: SUPPORT[kind],
          NoteNumber: /#(\d+)/.exec(support)?.[1] ?? '',
        });
      }
    }
  }
  return results;
}

/** Offset → 1-based line number (lines split at LF), by binary search over the line starts. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}
