/**
 * The --inboxes file (DESIGN.md "Team inboxes"), read strictly: every key is known,
 * every value has its type, and the first thing wrong is refused with its place in the
 * file (`inboxes.shop.maxMessages: …`), so a typo never turns into a silently open or
 * silently empty inbox.
 */
import { readConfigText } from '../lib/config-file.js';
import { firstDuplicateKey } from '../lib/duplicate-key.js';
import { OptionError, size } from '../lib/options.js';
import { compileAllowList, isAllowPattern, type AllowList } from '../security/allow-list.js';
import { secretProblem } from '../security/auth-file.js';
import { compileHeaderRule, type HeaderRule } from './header-rule.js';
import { INBOX_NAME } from './types.js';

/** Larger than any real team's file; a bigger one is a mistake, not configuration. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Inboxes, users and list entries a file may hold; past this the file is refused. */
export const MAX_ENTRIES = 10_000;
/** User and SMTP user names: safe in a log line and in the `USER/INBOX/ADDRESS` login form ('/' and ':' are separators). */
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
const MAX_SECRET = 1024;

/** An OptionError: a file refused at start stops it with one line, as a bad option does (exit 2). */
export class InboxesFileError extends OptionError {}

export interface SmtpCredential {
  readonly user: string;
  /** Plain text or a bcrypt hash, as in --smtp-auth-file. */
  readonly secret: string;
}

export interface InboxSpec {
  readonly name: string;
  readonly smtp: readonly SmtpCredential[];
  /** All must match for the header rule to route here; none = no header rule. */
  readonly headers: readonly HeaderRule[];
  readonly recipients: AllowList;
  /** 0 = no limit of its own (the global limits still apply). */
  readonly maxMessages: number;
  readonly maxBytes: number;
}

export interface UserSpec {
  readonly name: string;
  readonly password: string;
  /** The inboxes named; `all` for `["*"]`. */
  readonly inboxes: readonly string[];
  readonly all: boolean;
}

export interface InboxesFile {
  /** Sorted by name. */
  readonly inboxes: ReadonlyMap<string, InboxSpec>;
  readonly users: ReadonlyMap<string, UserSpec>;
  /** `refuse`, or the inbox that gets mail no rule routes. */
  readonly unrouted: { refuse: true } | { refuse: false; inbox: string };
}

/** Reads and checks the file; throws InboxesFileError naming the file and the place. */
export async function loadInboxesFile(path: string): Promise<InboxesFile> {
  const text = await readConfigText(path, 'inboxes file', MAX_FILE_BYTES, (message) => new InboxesFileError(message));
  try {
    return parseInboxesFile(text);
  } catch (error) {
    if (error instanceof InboxesFileError) throw new InboxesFileError(`inboxes file ${path}: ${error.message}`);
    throw error;
  }
}

/** Checks the text of an inboxes file; throws InboxesFileError naming the place. */
export function parseInboxesFile(text: string): InboxesFile {
  if (text.length > MAX_FILE_BYTES) throw new InboxesFileError(`more than the ${MAX_FILE_BYTES} bytes an inboxes file may hold`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InboxesFileError(`not JSON: ${(error as Error).message}`);
  }
  // RFC 8259 §4: JSON.parse keeps the last of repeated names; a repeated inbox or user would vanish unseen.
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) throw new InboxesFileError(`the key ${shown(duplicate)} appears twice in one object`);
  const top = object(json, TOP, { inboxes: true, users: false, unrouted: false });
  const inboxes = new Map<string, InboxSpec>();
  for (const [name, value] of entries(top.inboxes, 'inboxes')) {
    if (!INBOX_NAME.test(name)) throw new InboxesFileError(`inboxes: ${shown(name)} is not an inbox name (a-z, 0-9 and '-', at most 63, starting with a letter or digit)`);
    inboxes.set(name, inboxSpec(name, value, `inboxes.${name}`));
  }
  const users = new Map<string, UserSpec>();
  for (const [name, value] of entries(top.users ?? {}, 'users')) {
    if (!USER_NAME.test(name)) throw new InboxesFileError(`users: ${shown(name)} is not a user name (letters, digits and . _ @ + -, at most 64)`);
    users.set(name, userSpec(name, value, `users.${name}`, inboxes));
  }
  checkSmtpUsers(inboxes);
  return { inboxes: new Map([...inboxes].sort(([a], [b]) => (a < b ? -1 : 1))), users, unrouted: unrouted(top.unrouted, inboxes) };
}

function inboxSpec(name: string, value: unknown, place: string): InboxSpec {
  const spec = object(value, place, { smtp: false, headers: false, recipients: false, maxMessages: false, maxBytes: false });
  const recipients = strings(spec.recipients ?? [], `${place}.recipients`);
  recipients.forEach((pattern, i) => {
    if (!isAllowPattern(pattern)) throw new InboxesFileError(`${place}.recipients[${i}]: ${shown(pattern)} is not a recipient pattern (bob@blue.com, *@blue.com, blue.com or *.blue.com)`);
  });
  const headers = Object.entries(object(spec.headers ?? {}, `${place}.headers`, null)).map(([field, rule]) => {
    const at = `${place}.headers.${field}`;
    if (!/^[!-9;-~]{1,76}$/.test(field)) throw new InboxesFileError(`${at}: ${shown(field)} is not a header field name (RFC 5322 §3.6.8)`);
    const result = compileHeaderRule(field, oneString(rule, at));
    if (typeof result === 'string') throw new InboxesFileError(`${at}: ${result}`);
    return result;
  });
  return {
    name,
    smtp: strings(spec.smtp ?? [], `${place}.smtp`).map((entry, i) => smtpCredential(entry, `${place}.smtp[${i}]`)),
    headers,
    recipients: compileAllowList(recipients),
    maxMessages: count(spec.maxMessages, `${place}.maxMessages`),
    maxBytes: bytes(spec.maxBytes, `${place}.maxBytes`),
  };
}

function smtpCredential(entry: string, place: string): SmtpCredential {
  const colon = entry.indexOf(':');
  const user = entry.slice(0, Math.max(colon, 0));
  if (colon <= 0 || !USER_NAME.test(user)) throw new InboxesFileError(`${place}: expected "user:password" with a user name of letters, digits and . _ @ + -`);
  const secret = entry.slice(colon + 1);
  if (secret === '') throw new InboxesFileError(`${place}: the password of ${shown(user)} is empty`);
  checkSecret(secret, `${place}: the password of ${shown(user)}`);
  return { user, secret };
}

function userSpec(name: string, value: unknown, place: string, inboxes: ReadonlyMap<string, InboxSpec>): UserSpec {
  const spec = object(value, place, { password: true, inboxes: true });
  const password = oneString(spec.password, `${place}.password`);
  if (password === '') throw new InboxesFileError(`${place}.password: empty`);
  checkSecret(password, `${place}.password`);
  const names = strings(spec.inboxes, `${place}.inboxes`);
  const all = names.includes('*');
  if (all && names.length > 1) throw new InboxesFileError(`${place}.inboxes: "*" already means every inbox; name it alone`);
  names.forEach((inbox, i) => {
    if (!all && !inboxes.has(inbox)) throw new InboxesFileError(`${place}.inboxes[${i}]: there is no inbox ${shown(inbox)}`);
  });
  return { name, password, inboxes: all ? [] : [...new Set(names)], all };
}

/** A password is plain, bcrypt or {SHA}, as in the auth files: a hash of another kind would be taken for the password itself. */
function checkSecret(secret: string, place: string): void {
  const problem = secretProblem(secret);
  if (problem !== undefined) throw new InboxesFileError(`${place} ${problem}`);
}

/** An SMTP user names one inbox: AUTH as it must say where the mail goes. */
function checkSmtpUsers(inboxes: ReadonlyMap<string, InboxSpec>): void {
  const owner = new Map<string, string>();
  for (const inbox of inboxes.values()) {
    for (const { user } of inbox.smtp) {
      const other = owner.get(user);
      if (other !== undefined) throw new InboxesFileError(`inboxes.${inbox.name}.smtp: the SMTP user ${shown(user)} is already the credential of inbox ${shown(other)}`);
      owner.set(user, inbox.name);
    }
  }
}

function unrouted(value: unknown, inboxes: ReadonlyMap<string, InboxSpec>): InboxesFile['unrouted'] {
  if (value === undefined || value === 'refuse') return { refuse: true };
  const name = oneString(value, 'unrouted');
  if (!inboxes.has(name)) throw new InboxesFileError(`unrouted: expected "refuse" or the name of an inbox, got ${shown(name)}`);
  return { refuse: false, inbox: name };
}

// ---- Shapes ----------------------------------------------------------------------------

const TOP = '(top level)';

/** Keys no object of the file may have, at any depth (as the API's bodies: server/http/decode-body.ts). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * An object whose keys are those given (true = required); null = any keys. Every object
 * of the file passes here, so this is where prototype keys are refused, and `null` for a
 * known key: absent means the default, null means nothing (leave the key out instead), so
 * it is refused for every key alike rather than read as empty for some and refused for others.
 */
function object(value: unknown, place: string, keys: Record<string, boolean> | null): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InboxesFileError(`${place}: expected an object, got ${kindOf(value)}`);
  const record = value as Record<string, unknown>;
  const names = Object.keys(record);
  if (names.length > MAX_ENTRIES) throw new InboxesFileError(`${place}: more than ${MAX_ENTRIES} entries`);
  const forbidden = names.find((key) => FORBIDDEN_KEYS.has(key));
  if (forbidden !== undefined) throw new InboxesFileError(`${place}: the key ${shown(forbidden)} is refused (__proto__, constructor and prototype are never keys here)`);
  if (keys) {
    // Object.hasOwn, not `in`: `in` also finds what every object inherits (toString, hasOwnProperty, …).
    const unknown = names.find((key) => !Object.hasOwn(keys, key));
    if (unknown !== undefined) throw new InboxesFileError(`${place}: unknown key ${shown(unknown)} (known: ${Object.keys(keys).join(', ')})`);
    const nulled = names.find((key) => record[key] === null);
    if (nulled !== undefined) throw new InboxesFileError(`${place === TOP ? '' : place + '.'}${nulled}: null is not a value here; leave the key out for its default`);
    const missing = Object.entries(keys).find(([key, required]) => required && record[key] === undefined);
    if (missing) throw new InboxesFileError(`${place}: the key "${missing[0]}" is missing`);
  }
  return record;
}

function entries(value: unknown, place: string): Array<[string, unknown]> {
  return Object.entries(object(value, place, null));
}

function strings(value: unknown, place: string): string[] {
  if (!Array.isArray(value)) throw new InboxesFileError(`${place}: expected a list of strings, got ${kindOf(value)}`);
  if (value.length > MAX_ENTRIES) throw new InboxesFileError(`${place}: more than ${MAX_ENTRIES} entries`);
  return value.map((item, i) => oneString(item, `${place}[${i}]`));
}

/** A string without control characters: values reach log lines and protocol replies as they are. */
function oneString(value: unknown, place: string): string {
  if (typeof value !== 'string') throw new InboxesFileError(`${place}: expected a string, got ${kindOf(value)}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InboxesFileError(`${place}: holds a control character`);
  if (value.length > MAX_SECRET) throw new InboxesFileError(`${place}: longer than ${MAX_SECRET} characters`);
  return value;
}

function count(value: unknown, place: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InboxesFileError(`${place}: expected a whole number ≥ 0 (0 = no limit), got ${shown(value)}`);
  return value;
}

const SIZE = size('', 0);

/** Bytes as a number, or a size as the options take it ("50MB"). */
function bytes(value: unknown, place: string): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return count(value, place);
  try {
    return SIZE.parse(oneString(value, place), place);
  } catch (error) {
    if (error instanceof OptionError) throw new InboxesFileError(error.message);
    throw error;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${shown(value)}`;
}

/** A value as the error shows it: JSON, cut short, so a huge or hostile value stays one short line. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? text.slice(0, 77) + '…' : text;
}
