import { describe, expect, it } from 'vitest';
import { recipientIndex } from '../../server/inboxes/recipient-index.js';
import { compileAllowList } from '../../server/security/allow-list.js';

const LISTS = [['*@shop.test'], ['shop.test', 'bob@blue.test'], ['*.blue.test'], ['BOB@Blue.Test', 'x.y.test'], [], ['*.test']].map(compileAllowList);
const ADDRESSES = ['a@shop.test', 'A@SHOP.TEST', 'bob@blue.test', 'bob@a.blue.test', 'eve@blue.test', 'c@x.y.test', 'c@z.x.y.test', 'c@test', 'no-at', '@blue.test', 'bob@', 'a@b@shop.test', 'a@shop.test.', 'z@a.b.c.blue.test'];

describe('the recipient index', () => {
  it.each(ADDRESSES)('matches %s exactly as each allow-list does', (address) => {
    const expected = LISTS.flatMap((list, position) => (list.allows(address) ? [position] : []));
    expect(recipientIndex(LISTS).match([address])).toEqual(expected);
  });

  it('gathers the inboxes of every recipient once each, in order', () => {
    expect(recipientIndex(LISTS).match(['c@x.y.test', 'a@shop.test', 'bob@blue.test'])).toEqual([0, 1, 3, 5]);
    expect(recipientIndex(LISTS).match([])).toEqual([]);
  });
});
