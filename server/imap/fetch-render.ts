import { headerEnd } from '../mime/headers.js';
import type { StoredMessage } from '../store/types.js';
import type { ImapOutput } from './encode.js';
import type { SectionSpec } from './fetch-items.js';

/** ENVELOPE of a message (RFC 3501 §7.4.2). */
export function renderEnvelope(_message: StoredMessage, _utf8: boolean): ImapOutput {
  return 'NIL';
}

/** BODY (non-extensible) or BODYSTRUCTURE of a message (RFC 3501 §7.4.2). */
export function renderBodyStructure(_message: StoredMessage, _extended: boolean, _utf8: boolean): ImapOutput {
  return 'NIL';
}

/** The stored bytes a BODY[section] names, or null when the section does not exist. */
export function sectionBytes(message: StoredMessage, section: SectionSpec): Buffer | null {
  const raw = message.raw;
  if (section.part.length > 0) return null;
  if (section.text === '') return raw;
  const end = headerEnd(raw);
  if (section.text === 'HEADER') return raw.subarray(0, end);
  if (section.text === 'TEXT') return raw.subarray(end);
  return null;
}
