/**
 * The calendar day a message says it was written, for SEARCH SENTBEFORE, SENTON and
 * SENTSINCE. RFC 3501 §6.4.4 compares the Date field "disregarding time and
 * timezone": `Date: Mon, 1 Jan 2024 23:30:00 -0500` was sent on 1 January, though it
 * is 2 January in UTC. So the day is taken in the field's own zone.
 */
import { firstFieldValue } from '../mime/field-value.js';
import type { StoredMessage } from '../store/types.js';
import { bytesGiven } from './held-bytes.js';

const DAY_MS = 86_400_000;

/** RFC 5322 §4.3 obsolete zone names; anything else unknown counts as UTC. */
const OBSOLETE_ZONES: Readonly<Record<string, number>> = { UT: 0, GMT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420 };

/** `+hhmm` / `-hhmm` or an obsolete zone name at the end of the field, before any trailing comment. */
const ZONE = /(?:([+-])(\d\d)(\d\d)|\b([A-Za-z]{1,3}))\s*(?:\([^)]*\)\s*)*$/;

const days = new WeakMap<StoredMessage, number | null>();

/** Whether `sentDay` can answer without the message's bytes (no Date, or worked out before). */
export function sentDayKnown(message: StoredMessage): boolean {
  return message.summary.date === null || days.has(message);
}

/** Days since the epoch of the Date field's own date, or null without a readable Date; `raw` is read unless sentDayKnown. */
export function sentDay(message: StoredMessage, raw: Buffer | undefined): number | null {
  let day = days.get(message);
  if (day === undefined) {
    const date = message.summary.date;
    day = date ? Math.floor((date.getTime() + zoneOffsetMinutes(firstFieldValue(bytesGiven(raw), 'Date') ?? '') * 60_000) / DAY_MS) : null;
    days.set(message, day);
  }
  return day;
}

/** The zone offset a Date field value states, in minutes east of UTC. */
export function zoneOffsetMinutes(value: string): number {
  const match = ZONE.exec(value);
  if (!match) return 0;
  const [, sign, hours, minutes, name] = match;
  if (name !== undefined) return OBSOLETE_ZONES[name.toUpperCase()] ?? 0;
  const offset = Number(hours) * 60 + Number(minutes);
  return sign === '-' ? -offset : offset;
}
