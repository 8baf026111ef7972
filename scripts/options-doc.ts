/**
 * `npm run docs:options`: rewrites the configuration table in README.md from the
 * option tables themselves, so --help and the README cannot disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { optionGroups } from '../server/config.js';
import { markdownTable } from '../server/lib/options.js';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));
const START = '<!-- options:start -->';
const END = '<!-- options:end -->';

/** README's text with the table between the markers made anew. */
export function withOptionsTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  return readme.slice(0, start + START.length) + '\n' + markdownTable(optionGroups) + '\n' + readme.slice(end);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(README, withOptionsTable(readFileSync(README, 'utf8')));
}
