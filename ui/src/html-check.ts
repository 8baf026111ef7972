import { bool, isObject, num, objects, str, strings, type Json } from './json.js';

/** The HTML check as the inbox uses it, narrowed from the API's HTMLCheckResponse. */
export interface HtmlCheck {
  total: Score & { nodes: number; tests: number };
  platforms: Record<string, string[]>;
  warnings: CheckWarning[];
  truncated: boolean;
  notice: string;
}

export interface Score {
  supported: number;
  partial: number;
  unsupported: number;
}

export interface CheckWarning {
  slug: string;
  title: string;
  description: string;
  url: string;
  category: string;
  found: number;
  score: Score;
  results: CheckResult[];
  notes: Record<string, string>;
  lines: number[];
}

export interface CheckResult {
  name: string;
  platform: string;
  family: string;
  version: string;
  support: 'yes' | 'no' | 'partial';
  note: string;
}

function score(o: Json): Score {
  return { supported: num(o, 'Supported'), partial: num(o, 'Partial'), unsupported: num(o, 'Unsupported') };
}

export function toHtmlCheck(body: unknown): HtmlCheck {
  const o = isObject(body) ? body : {};
  const total = isObject(o['Total']) ? o['Total'] : {};
  const platforms = isObject(o['Platforms']) ? o['Platforms'] : {};
  return {
    total: { ...score(total), nodes: num(total, 'Nodes'), tests: num(total, 'Tests') },
    platforms: Object.fromEntries(Object.keys(platforms).map((p) => [p, strings(platforms, p)])),
    warnings: objects(o, 'Warnings').map((w) => {
      const s = isObject(w['Score']) ? w['Score'] : {};
      const notes = isObject(w['NotesByNumber']) ? w['NotesByNumber'] : {};
      return {
        slug: str(w, 'Slug'),
        title: str(w, 'Title'),
        description: str(w, 'Description'),
        url: str(w, 'URL'),
        category: str(w, 'Category'),
        found: num(s, 'Found'),
        score: score(s),
        notes: Object.fromEntries(Object.keys(notes).map((k) => [k, str(notes, k)])),
        lines: Array.isArray(w['NodeLines']) ? w['NodeLines'].filter((n): n is number => Number.isInteger(n)) : [],
        results: objects(w, 'Results').map((r) => {
          const support = str(r, 'Support');
          return {
            name: str(r, 'Name'),
            platform: str(r, 'Platform'),
            family: str(r, 'Family'),
            version: str(r, 'Version'),
            support: support === 'yes' || support === 'partial' ? support : 'no',
            note: str(r, 'NoteNumber'),
          };
        }),
      };
    }),
    truncated: bool(o, 'Truncated'),
    notice: str(o, 'Notice'),
  };
}

export interface ClientScore extends Score {
  /** e.g. "Outlook". */
  family: string;
  /** e.g. "Windows", as caniemail names the platform. */
  platform: string;
  /** How many of the message's features caniemail has a result for on this client. */
  features: number;
}

/** The platform's display name, from a result's Name: "Outlook Windows Mail (2019-10)" → "Windows Mail". */
function platformName(result: CheckResult): string {
  const end = result.name.lastIndexOf(' (');
  return result.name.startsWith(`${result.family} `) && end > result.family.length ? result.name.slice(result.family.length + 1, end) : result.platform;
}

/**
 * How well each client (a family on a platform) shows this message: the share of the
 * message's features it supports, judged by the newest version caniemail tested (the
 * last one listed). Worst first.
 */
export function clientScores(check: HtmlCheck): ClientScore[] {
  const clients = new Map<string, ClientScore>();
  for (const warning of check.warnings) {
    const newest = new Map<string, CheckResult>();
    for (const result of warning.results) newest.set(`${result.family}\u0000${result.platform}`, result);
    for (const [key, result] of newest) {
      const client = clients.get(key) ?? { family: result.family, platform: platformName(result), supported: 0, partial: 0, unsupported: 0, features: 0 };
      client.features++;
      if (result.support === 'yes') client.supported++;
      else if (result.support === 'partial') client.partial++;
      else client.unsupported++;
      clients.set(key, client);
    }
  }
  return [...clients.values()]
    .map((c) => ({ ...c, supported: (c.supported / c.features) * 100, partial: (c.partial / c.features) * 100, unsupported: (c.unsupported / c.features) * 100 }))
    .sort((a, b) => a.supported - b.supported || a.family.localeCompare(b.family) || a.platform.localeCompare(b.platform));
}

/** "72%", or "72.5%" when a whole number would hide a difference. */
export function percent(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded : rounded.toFixed(1)}%`;
}
