import { describe, expect, it } from 'vitest';
import { CheckedPasswords } from '../../server/security/checked-passwords.js';
import { credentialsOf } from '../../server/security/auth-file.js';
import bcrypt from 'bcryptjs';

/** The secret every pair here is checked against. */
const SECRET = '$2b$04$the-hash-the-pair-is-checked-against';

/** A check that answers `right` for one password and counts how often it was asked. */
function counted(right: string) {
  const asked: string[] = [];
  return {
    asked,
    check: (password: string) => async () => {
      asked.push(password);
      await new Promise((resolve) => setImmediate(resolve));
      return password === right;
    },
  };
}

describe('CheckedPasswords', () => {
  it('asks the check once for a right pair, then takes it from memory', async () => {
    const checked = new CheckedPasswords();
    const { asked, check } = counted('s3cret');
    for (let i = 0; i < 3; i++) expect(await checked.verify('ann', 's3cret', SECRET, check('s3cret'))).toBe(true);
    expect(asked).toEqual(['s3cret']);
  });

  it('asks the check every time for a wrong pair, and a right pair lets no other password in', async () => {
    const checked = new CheckedPasswords();
    const { asked, check } = counted('s3cret');
    expect(await checked.verify('ann', 's3cret', SECRET, check('s3cret'))).toBe(true);
    for (const wrong of ['s3cre', 's3cret ', 'S3CRET', 'wrong', 'wrong']) expect(await checked.verify('ann', wrong, SECRET, check(wrong))).toBe(false);
    expect(asked).toEqual(['s3cret', 's3cre', 's3cret ', 'S3CRET', 'wrong', 'wrong']);
  });

  it('keeps pairs by user and password together: another user with that password is checked', async () => {
    const checked = new CheckedPasswords();
    const { asked, check } = counted('pw');
    expect(await checked.verify('ann', 'pw', SECRET, check('pw'))).toBe(true);
    // JSON keeps ["an","npw"] apart from ["ann","pw"].
    expect(await checked.verify('an', 'npw', SECRET, check('npw'))).toBe(false);
    expect(await checked.verify('bob', 'pw', SECRET, check('pw'))).toBe(true);
    expect(asked).toEqual(['pw', 'npw', 'pw']);
  });

  it('shares a check under way between requests of the same pair', async () => {
    const checked = new CheckedPasswords();
    const { asked, check } = counted('pw');
    const answers = await Promise.all(Array.from({ length: 10 }, () => checked.verify('ann', 'pw', SECRET, check('pw'))));
    expect(answers).toEqual(Array(10).fill(true));
    expect(asked).toEqual(['pw']);
  });

  it('checks a right pair again once its secret changed (a reload, a new password)', async () => {
    const checked = new CheckedPasswords();
    const { asked, check } = counted('pw');
    expect(await checked.verify('ann', 'pw', SECRET, check('pw'))).toBe(true);
    expect(await checked.verify('ann', 'pw', `${SECRET}-changed`, check('pw'))).toBe(true);
    expect(asked).toEqual(['pw', 'pw']);
  });

  it('a check that fails is not remembered', async () => {
    const checked = new CheckedPasswords();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('bcrypt failed');
    };
    await expect(checked.verify('ann', 'pw', SECRET, failing)).rejects.toThrow('bcrypt failed');
    await expect(checked.verify('ann', 'pw', SECRET, failing)).rejects.toThrow('bcrypt failed');
    expect(calls).toBe(2);
  });
});

describe('credentials from an auth file', () => {
  it('still tell a right bcrypt password from a wrong one, again and again', async () => {
    const credentials = credentialsOf(new Map([['ann', bcrypt.hashSync('right one', 4)]]));
    for (let i = 0; i < 3; i++) {
      expect(await credentials.verify('ann', 'right one')).toBe(true);
      expect(await credentials.verify('ann', 'right on')).toBe(false);
      expect(await credentials.verify('nobody', 'right one')).toBe(false);
    }
  });
});
