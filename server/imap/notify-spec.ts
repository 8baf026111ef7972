import { SEPARATOR, type FolderInfo } from '../store/folders.js';
import { readMailbox } from './commands/mailbox-args.js';
import { readFetchItemList, type FetchItem } from './fetch-items.js';
import type { Reader } from './parser.js';
import type { Session } from './session.js';

/** RFC 5465 §5: the events Letterbox can report (BADEVENT lists these). */
export const SUPPORTED_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'MailboxName', 'SubscriptionChange'] as const;
export type NotifyEvent = (typeof SUPPORTED_EVENTS)[number];
const MESSAGE_EVENTS: ReadonlySet<string> = new Set(['MESSAGENEW', 'MESSAGEEXPUNGE', 'FLAGCHANGE', 'ANNOTATIONCHANGE']);
const BY_UPPER = new Map<string, NotifyEvent>(SUPPORTED_EVENTS.map((e) => [e.toUpperCase(), e]));

/** The most mailbox names one NOTIFY may list: bounds the work of every later event. */
const MAX_NAMES = 1000;

/** RFC 5465 §6: which mailboxes a group of events watches. */
export type MailboxFilter =
  | { kind: 'personal' | 'inboxes' | 'subscribed' }
  | { kind: 'subtree' | 'mailboxes'; names: string[] };

export interface OtherGroup {
  filter: MailboxFilter;
  events: ReadonlySet<NotifyEvent>;
}

/** RFC 5465 §6.1: the selected mailbox's events, now or (DELAYED) expunges when numbers may shift. */
export interface SelectedGroup {
  delayed: boolean;
  events: ReadonlySet<NotifyEvent>;
  /** MessageNew's fetch-att: sent with each new message after its EXISTS (§5.2). */
  fetch: readonly FetchItem[];
}

export interface NotifySpec {
  /** Send each watched mailbox's STATUS now (§3.1). */
  status: boolean;
  selected: SelectedGroup | null;
  others: readonly OtherGroup[];
  /** Event names this server does not report: the command fails NO [BADEVENT …]. */
  unsupported: readonly string[];
}

function readNames(r: Reader, session: Session, count: { n: number }): string[] {
  const one = () => {
    if (++count.n > MAX_NAMES) r.fail('too many mailbox names');
    return readMailbox(r, session);
  };
  return r.peek() === 0x28 ? r.list(one, false) : [one()];
}

function readFilter(r: Reader, session: Session, count: { n: number }): MailboxFilter | 'selected' | 'selected-delayed' {
  const word = r.atom().toUpperCase();
  switch (word) {
    case 'SELECTED':
      return 'selected';
    case 'SELECTED-DELAYED':
      return 'selected-delayed';
    case 'PERSONAL':
    case 'INBOXES':
    case 'SUBSCRIBED':
      return { kind: word.toLowerCase() as 'personal' };
    case 'SUBTREE':
    case 'MAILBOXES':
      r.sp();
      return { kind: word.toLowerCase() as 'subtree', names: readNames(r, session, count) };
    default:
      return r.fail(`unknown mailbox filter ${word.slice(0, 30)}`);
  }
}

/** `SET [STATUS] event-groups` or `NONE`, after `NOTIFY SP` (RFC 5465 §8). Null is NONE. */
export function readNotify(r: Reader, session: Session): NotifySpec | null {
  const verb = r.atom().toUpperCase();
  if (verb === 'NONE') return null;
  if (verb !== 'SET') r.fail('NOTIFY takes SET or NONE');
  r.sp();
  const spec: { status: boolean; selected: SelectedGroup | null; others: OtherGroup[]; unsupported: string[] } = { status: false, selected: null, others: [], unsupported: [] };
  if (r.word('STATUS')) {
    spec.status = true;
    r.sp();
  }
  const count = { n: 0 };
  for (;;) {
    r.expect('(');
    r.enter();
    const filter = readFilter(r, session, count);
    r.sp();
    const events = new Set<NotifyEvent>();
    let fetch: FetchItem[] = [];
    const onSelected = filter === 'selected' || filter === 'selected-delayed';
    // Upper-cased names as given, known or not, for §5's rules on which go together.
    const named = new Set<string>();
    if (!r.word('NONE')) {
      r.list(() => {
        const name = r.atom();
        const upper = name.toUpperCase();
        // §6.1: only message events for the selected mailbox.
        if (onSelected && !MESSAGE_EVENTS.has(upper)) r.fail(`${name.slice(0, 30)} cannot watch the selected mailbox`);
        if (upper === 'MESSAGENEW' && r.peek() === 0x20 && r.bytes[r.pos + 1] === 0x28) {
          // §8: the fetch-att list belongs to SELECTED/SELECTED-DELAYED only.
          if (!onSelected) r.fail('MessageNew takes FETCH attributes only for the selected mailbox');
          r.sp();
          fetch = readFetchItemList(r);
        }
        named.add(upper);
        const known = BY_UPPER.get(upper);
        if (known) events.add(known);
        else if (spec.unsupported.length < 16) spec.unsupported.push(name.slice(0, 40));
      }, false);
    }
    r.expect(')');
    r.leave();
    // §5: a client that hears of new messages must hear of expunges, and the other way
    // round, or its message numbers go wrong; a change to a message needs both. BAD
    // otherwise, as Dovecot answers.
    if (named.has('MESSAGENEW') !== named.has('MESSAGEEXPUNGE')) r.fail('MessageNew and MessageExpunge go together (RFC 5465 section 5)');
    const change = ['FLAGCHANGE', 'ANNOTATIONCHANGE'].find((event) => named.has(event));
    if (change && !named.has('MESSAGEEXPUNGE')) r.fail(`${change === 'FLAGCHANGE' ? 'FlagChange' : 'AnnotationChange'} needs MessageNew and MessageExpunge (RFC 5465 section 5)`);
    if (onSelected) {
      if (spec.selected) r.fail('only one of SELECTED and SELECTED-DELAYED');
      spec.selected = { delayed: filter === 'selected-delayed', events, fetch };
    } else spec.others.push({ filter, events });
    if (!r.maybeSp()) break;
  }
  return spec;
}

/** Whether a filter covers a folder (RFC 5465 §6.2–6.6); INBOX is where mail is delivered (§6.3). */
export function covers(filter: MailboxFilter, folder: Pick<FolderInfo, 'name' | 'subscribed'>): boolean {
  switch (filter.kind) {
    case 'personal':
      return true;
    case 'inboxes':
      return folder.name === 'INBOX';
    case 'subscribed':
      return folder.subscribed;
    case 'mailboxes':
      return filter.names.includes(folder.name);
    case 'subtree':
      return filter.names.some((name) => folder.name === name || folder.name.startsWith(name + SEPARATOR));
  }
}

/** The events every group covering a folder asks for. */
export function eventsFor(spec: NotifySpec, folder: FolderInfo): Set<NotifyEvent> {
  const out = new Set<NotifyEvent>();
  for (const group of spec.others) if (covers(group.filter, folder)) for (const e of group.events) out.add(e);
  return out;
}
