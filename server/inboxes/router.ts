/**
 * Where a message goes (DESIGN.md "Team inboxes"), in one documented order, first
 * stage that matches wins:
 *   1. header rules — every inbox whose rules all match (so one app's shared SMTP
 *      credential can still be split by a header);
 *   2. the SMTP AUTH credential — the one inbox it belongs to;
 *   3. recipient patterns — every inbox one of the envelope recipients matches;
 *   4. `unrouted` — its inbox, or a refusal.
 * The table is built once per configuration, so routing a message reads its header
 * once for all header rules and looks its recipients up in one index.
 */
import { fieldNames, firstFieldValues, type FieldNames } from '../mime/field-value.js';
import type { AllowList } from '../security/allow-list.js';
import type { HeaderRule } from './header-rule.js';
import type { InboxesFile } from './inboxes-file.js';
import { recipientIndex } from './recipient-index.js';
import type { Route, RouteInput } from './types.js';

/** What the SMTP front answers (550 5.7.1) and HTTP send (422) when nothing routes a message. */
export const UNROUTED_TEXT = 'No inbox takes this message: authenticate as an inbox SMTP user, or send to a recipient an inbox takes';

/** Header lines read at most for header rules (a header flood is not read to its end). */
const MAX_HEADER_LINES = 10_000;

export interface RoutingTable {
  route(input: RouteInput): Route;
}

/** `smtpOwners`: SMTP user → inbox, the file's and the dynamic inboxes' together. */
export function routingTable(file: InboxesFile, smtpOwners: ReadonlyMap<string, string>): RoutingTable {
  const byHeaders: Array<{ inbox: string; rules: ReadonlyArray<{ rule: HeaderRule; index: number }> }> = [];
  const fields = new Map<string, number>();
  const byRecipients: Array<{ inbox: string; patterns: AllowList }> = [];
  for (const spec of file.inboxes.values()) {
    if (spec.headers.length > 0) {
      const rules = spec.headers.map((rule) => {
        const key = rule.field.toLowerCase();
        if (!fields.has(key)) fields.set(key, fields.size);
        return { rule, index: fields.get(key) as number };
      });
      byHeaders.push({ inbox: spec.name, rules });
    }
    if (spec.recipients.patterns.length > 0) byRecipients.push({ inbox: spec.name, patterns: spec.recipients });
  }
  const names: FieldNames = fieldNames([...fields.keys()]);
  const recipients = recipientIndex(byRecipients.map((r) => r.patterns));
  const fallback: Route = file.unrouted.refuse ? { ok: false, text: UNROUTED_TEXT } : { ok: true, inboxes: [file.unrouted.inbox] };

  return {
    route({ raw, envelope, authUser }) {
      if (byHeaders.length > 0) {
        const values = firstFieldValues(raw, names, MAX_HEADER_LINES);
        const matched = byHeaders.filter(({ rules }) => rules.every(({ rule, index }) => rule.matches(values[index])));
        if (matched.length > 0) return { ok: true, inboxes: matched.map((m) => m.inbox) };
      }
      const owner = authUser === '' ? undefined : smtpOwners.get(authUser);
      if (owner !== undefined) return { ok: true, inboxes: [owner] };
      if (byRecipients.length > 0) {
        const matched = recipients.match(envelope.rcptTo);
        if (matched.length > 0) return { ok: true, inboxes: matched.map((i) => (byRecipients[i] as (typeof byRecipients)[number]).inbox) };
      }
      return fallback.ok ? { ok: true, inboxes: [...fallback.inboxes] } : fallback;
    },
  };
}
