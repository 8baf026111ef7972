import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInboxesFile } from '../server/inboxes/inboxes-file.js';
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

  it('gives every folder of server/ its own line in Layout', () => {
    const readme = readFileSync(README, 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('## License'));
    const listed = [...layout.matchAll(/^ {2}([a-z0-9-]+)\/ /gm)].map((match) => match[1]);
    const folders = readdirSync(new URL('../server/', import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(listed.sort()).toEqual(folders.sort());
  });

  it('shows the compose file of examples/compose, word for word', () => {
    const readme = readFileSync(README, 'utf8');
    const section = readme.slice(readme.indexOf('## Run several nodes'));
    const shown = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(shown).toBe(readFileSync(new URL('../examples/compose/compose.yaml', import.meta.url), 'utf8'));
  });

  it('shows an inboxes file that --inboxes accepts', () => {
    const readme = readFileSync(README, 'utf8');
    const section = readme.slice(readme.indexOf('## Team inboxes'));
    const example = /```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const file = parseInboxesFile(example);
    expect([...file.inboxes.keys()]).toEqual(['billing', 'shop', 'srs']);
    expect(file.users.get('ops')?.all).toBe(true);
  });
});
