import bcrypt from 'bcryptjs';
import { writeInboxesFile } from '../helpers/inbox-sandbox.js';

/** A team's inboxes: credentials, recipient patterns, a header rule, one limit. */
export const TEAM = {
  inboxes: {
    shop: { smtp: ['shop-app:s3cret'], recipients: ['*@shop.test'], maxMessages: 2 },
    billing: { smtp: [`billing-app:${bcrypt.hashSync('b-pass', 4)}`], recipients: ['*@billing.test', '*@both.test'] },
    crm: { recipients: ['*@both.test'] },
    srs: { headers: { 'X-Application': '/^srs$/i' } },
  },
  users: { ops: { password: 'pw-ops', inboxes: ['*'] } },
};

/** Writes an inboxes file in a new temporary folder; returns its path. */
export function inboxesFile(value: unknown = TEAM): Promise<string> {
  return writeInboxesFile(value);
}
