import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, withOptionsTable } from '../scripts/options-doc.js';

describe('README', () => {
  it('documents every option as --help does (npm run docs:options rewrites the table)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(withOptionsTable(readme));
  });

  it('shows the two commands a newcomer needs', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
