import { describe, expect, it } from 'vitest';
import { ListModel } from '../../ui/src/list-model.js';
import type { Summary } from '../../ui/src/types.js';

const row = (id: string, tags: string[] = []) => ({ ID: id, Read: false, Tags: tags }) as unknown as Summary;

describe('the web inbox list model', () => {
  it('counts a tag change of a row not loaded yet as a change (the tag panel asks for its tags again)', () => {
    const model = new ListModel();
    model.items = [row('a'), null, null];
    const before = model.version;
    model.apply({ type: 'update', id: 'far-below', tags: ['urgent'] });
    expect(model.version).toBe(before + 1);
    // A read mark of such a row changes nothing shown.
    model.apply({ type: 'update', id: 'far-below', read: true });
    expect(model.version).toBe(before + 1);
    model.apply({ type: 'update', id: 'a', tags: ['urgent'] });
    expect(model.items[0]?.Tags).toEqual(['urgent']);
    expect(model.version).toBe(before + 2);
  });
});
