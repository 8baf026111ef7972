import { createRequire } from 'node:module';

/**
 * The caniemail.com feature data, read from the `caniemail` npm package. That package
 * was chosen over `@jsx-email/doiuse-email` because it ships caniemail's own JSON
 * (every client version, note and description, refreshed in 2026) as a public export,
 * where doiuse-email bundles a 2024 copy inside its code and reports only messages.
 * Only the JSON is used: the package's checker walks the DOM recursively and has no
 * limits, so the walk and the limits are ours (html-check-scan.ts).
 */
export interface Feature {
  slug: string;
  title: string;
  description: string;
  url: string;
  category: 'html' | 'css' | 'image';
  tags: string[];
  keywords: string;
  notesByNumber: Record<string, string>;
  /** family → platform → version → support text such as `y`, `n`, `a #1 #2`, `u`. */
  stats: Record<string, Record<string, Record<string, string>>>;
  /** The scanner tokens (see html-check-scan.ts) that mean the feature is used. */
  tokens: string[];
}

export interface FeatureData {
  features: Feature[];
  /** Scanner token → the features it stands for. */
  byToken: Map<string, Feature[]>;
  familyNames: Record<string, string>;
  platformNames: Record<string, string>;
  /** Mailpit's Platforms: platform key → the families tested on it, by display name. */
  platforms: Record<string, string[]>;
}

let loaded: FeatureData | undefined;

/** Loaded on first use: the JSON is 650 kB and most sandboxes never ask for a check. */
export function featureData(): FeatureData {
  loaded ??= buildFeatureData(createRequire(import.meta.url)('caniemail/caniemail.json') as unknown);
  return loaded;
}

export function buildFeatureData(json: unknown): FeatureData {
  const root = record(json);
  const nicenames = record(root['nicenames']);
  const familyNames = stringMap(nicenames['family']);
  const platformNames = stringMap(nicenames['platform']);
  const features: Feature[] = [];
  const byToken = new Map<string, Feature[]>();
  const platformSets = new Map<string, Set<string>>();
  for (const item of Array.isArray(root['data']) ? root['data'] : []) {
    const entry = record(item);
    const category = entry['category'];
    if (category !== 'html' && category !== 'css' && category !== 'image') continue;
    const stats = statsOf(entry['stats']);
    const feature: Feature = {
      slug: text(entry['slug']),
      title: text(entry['title']),
      description: text(entry['description']),
      url: text(entry['url']),
      category,
      tags: Array.isArray(entry['tags']) ? entry['tags'].filter((t): t is string => typeof t === 'string') : [],
      keywords: text(entry['keywords']),
      notesByNumber: stringMap(entry['notes_by_num']),
      stats,
      tokens: [],
    };
    feature.tokens = tokensFor(feature);
    if (feature.tokens.length === 0) continue;
    features.push(feature);
    for (const token of feature.tokens) {
      const list = byToken.get(token) ?? [];
      list.push(feature);
      byToken.set(token, list);
    }
    for (const [family, platforms] of Object.entries(stats)) {
      for (const platform of Object.keys(platforms)) {
        const set = platformSets.get(platform) ?? new Set<string>();
        set.add(familyNames[family] ?? family);
        platformSets.set(platform, set);
      }
    }
  }
  const platforms = Object.fromEntries([...platformSets].map(([platform, set]) => [platform, [...set].sort()]));
  return { features, byToken, familyNames, platformNames, platforms };
}

/**
 * Features whose syntax the slug and title do not spell out. Everything else is read
 * from the data itself (tokensFor), so a feature caniemail adds later is checked
 * without a change here when it follows caniemail's naming.
 */
const SPECIAL: Record<string, string[]> = {
  'html-address': ['element:address'],
  'html-anchor-links': ['link:anchor'],
  'html-comments': ['comment:html'],
  'html-doctype': ['doctype'],
  'html-h1-h6': ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => `element:${h}`),
  'html-image-maps': ['element:map', 'attr:usemap'],
  'html-lists': ['element:ul', 'element:ol', 'element:dl'],
  'html-mailto-links': ['link:mailto'],
  'html-meta-color-scheme': ['meta:color-scheme'],
  'html-object': ['element:object', 'element:embed'],
  'html-semantics': ['article', 'aside', 'details', 'figcaption', 'figure', 'footer', 'header', 'main', 'mark', 'nav', 'section', 'summary', 'time'].map((e) => `element:${e}`),
  'html-srcset': ['attr:srcset', 'attr:sizes'],
  'html-svg': ['element:svg'],
  'css-comments': ['comment:css'],
  'css-important': ['important'],
  'css-inert-attribute': ['attr:inert'],
  'css-intrinsic-size': ['keyword:fit-content', 'keyword:min-content', 'keyword:max-content'],
  'css-nesting': ['nesting'],
  'css-scroll-snap': ['prop:scroll-snap-type', 'prop:scroll-snap-align', 'prop:scroll-snap-stop'],
  'css-sytem-ui': ['keyword:system-ui', 'keyword:ui-serif', 'keyword:ui-sans-serif', 'keyword:ui-rounded', 'keyword:ui-monospace'],
  'css-unit-calc': ['fn:calc'],
  'css-unit-initial': ['keyword:initial'],
  'css-unit-percent': ['unit:%'],
  'css-variables': ['custom-property', 'fn:var'],
  'image-base64': ['image:base64'],
  'image-jpg': ['image:jpg', 'image:jpeg'],
  'image-tiff': ['image:tif', 'image:tiff'],
};

/** Features that name a group of properties, listed in their keywords (e.g. css-border, css-margin). */
const KEYWORD_PROPERTIES = new Set([
  'css-border',
  'css-border-inline-block',
  'css-border-inline-block-individual',
  'css-border-inline-block-longhand',
  'css-border-radius-logical',
  'css-column-layout-properties',
  'css-grid-template',
  'css-inset',
  'css-margin',
  'css-overflow',
]);

const PROPERTY = /^-?[a-z][a-z-]*$/;

/** The scanner tokens that stand for a feature, read from its slug, title and keywords. */
export function tokensFor(feature: Pick<Feature, 'slug' | 'title' | 'keywords' | 'category'>): string[] {
  const { slug, title } = feature;
  const special = SPECIAL[slug];
  if (special) return special;
  if (feature.category === 'image') return [`image:${slug.slice('image-'.length)}`];
  if (feature.category === 'html') {
    const attribute = /^([a-z-]+) attribute$/.exec(title);
    if (attribute) return [`attr:${attribute[1]}`];
    const typed = /^<([a-z]+) type="([a-z]+)"> element$/.exec(title);
    if (typed) return [`element-type:${typed[1]}:${typed[2]}`];
    const element = /^<([a-z0-9]+)>( element)?$/.exec(title);
    return element ? [`element:${element[1]}`] : [];
  }
  const rest = (prefix: string) => (slug.startsWith(prefix) ? slug.slice(prefix.length) : undefined);
  const pseudoClass = rest('css-pseudo-class-');
  if (pseudoClass) return [`pseudo-class:${pseudoClass}`];
  const pseudoElement = rest('css-pseudo-element-');
  if (pseudoElement) return [`pseudo-element:${pseudoElement}`];
  const unit = rest('css-unit-');
  if (unit) return [`unit:${unit}`];
  const mediaFeature = rest('css-at-media-');
  if (mediaFeature) return [`media:${mediaFeature}`];
  const atRule = rest('css-at-');
  if (atRule) return [`at:${atRule}`];
  const selector = rest('css-selector-');
  if (selector) return [`selector:${selector}`];
  const fn = rest('css-function-');
  if (fn) return [`fn:${fn}`];
  if (KEYWORD_PROPERTIES.has(slug)) {
    const names = feature.keywords.split(',').map((k) => k.trim()).filter((k) => PROPERTY.test(k));
    const own = slug.slice('css-'.length);
    return [...new Set([own, ...names])].map((p) => `prop:${p}`);
  }
  const pair = /^([a-z-]+):\s*([a-z-]+)$/.exec(title);
  if (pair) return [`pair:${pair[1]}:${pair[2]}`];
  // "rgb()", "lch(), oklch(), lab(), oklab()"; "gap, column-gap, row-gap"; "block-size & inline-size".
  const parts = title.split(/\s*(?:,|&)\s*/);
  if (parts.every((p) => /^[a-z-]+\(\)$/.test(p))) return parts.map((p) => `fn:${p.slice(0, -2)}`);
  const names = parts.map((p) => p.replace(/ (CSS property|property|shorthand)$/, '').trim());
  if (names.every((p) => PROPERTY.test(p))) return names.map((p) => `prop:${p}`);
  return [];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function stringMap(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(record(value)).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function statsOf(value: unknown): Feature['stats'] {
  return Object.fromEntries(
    Object.entries(record(value)).map(([family, platforms]) => [
      family,
      Object.fromEntries(Object.entries(record(platforms)).map(([platform, versions]) => [platform, stringMap(versions)])),
    ]),
  );
}
