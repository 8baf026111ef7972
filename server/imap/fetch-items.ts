import type { Reader } from './parser.js';

/** RFC 3501 §6.4.5 section-spec: a part path, then HEADER, HEADER.FIELDS[.NOT], TEXT, MIME or nothing. */
export interface SectionSpec {
  /** Part numbers (`1.2` → [1, 2]); empty for the whole message. */
  part: number[];
  text: '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  /** Field names for HEADER.FIELDS (.NOT), as the client wrote them. */
  fields: string[];
}

export type FetchItem =
  | { kind: 'simple'; name: 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODY' | 'BODYSTRUCTURE' | 'UID' | 'MODSEQ' }
  /** RFC822, RFC822.HEADER, RFC822.TEXT: BODY[], BODY.PEEK[HEADER], BODY[TEXT] under their own names. */
  | { kind: 'rfc822'; name: 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT' }
  | { kind: 'section'; peek: boolean; section: SectionSpec; partial: { offset: number; length: number } | null; label: string }
  /** RFC 3516 BINARY[part]<partial> and BINARY.SIZE[part]: the part with its transfer encoding undone. */
  | { kind: 'binary'; peek: boolean; size: boolean; part: number[]; partial: { offset: number; length: number } | null };

const SIMPLE = new Set(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY', 'BODYSTRUCTURE', 'UID', 'MODSEQ']);
const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

export function readSection(r: Reader): SectionSpec {
  r.expect('[');
  const part: number[] = [];
  let text: SectionSpec['text'] = '';
  const fields: string[] = [];
  while (r.peek() !== undefined && (r.peek() as number) >= 0x30 && (r.peek() as number) <= 0x39) {
    const n = r.number32();
    if (n === 0) r.fail('part numbers start at 1');
    part.push(n);
    if (!r.take('.')) break;
  }
  if (r.peek() !== 0x5d) {
    const name = r.itemName().toUpperCase();
    if (name === 'HEADER' || name === 'TEXT' || (name === 'MIME' && part.length > 0)) text = name;
    else if (name === 'HEADER.FIELDS' || name === 'HEADER.FIELDS.NOT') {
      text = name;
      r.sp();
      fields.push(...r.list(() => r.astring(), false));
    } else r.fail(`unknown section ${name.slice(0, 30)}`);
  }
  r.expect(']');
  return { part, text, fields };
}

/** The section as echoed in the response (RFC 3501 §7.4.2: field names as the client sent them). */
export function sectionLabel(section: SectionSpec): string {
  const parts = [section.part.join('.'), section.text].filter(Boolean).join('.');
  const fields = section.fields.length > 0 ? ` (${section.fields.join(' ')})` : '';
  return `[${parts}${fields}]`;
}

function readPartial(r: Reader): { offset: number; length: number } | null {
  if (!r.take('<')) return null;
  const offset = r.number32();
  r.expect('.');
  const length = r.number32();
  if (length === 0) r.fail('partial length must be positive');
  r.expect('>');
  return { offset, length };
}

function readBinary(r: Reader, name: string): FetchItem {
  r.expect('[');
  const part: number[] = [];
  while (r.peek() !== 0x5d) {
    const n = r.number32();
    if (n === 0) r.fail('part numbers start at 1');
    part.push(n);
    if (!r.take('.')) break;
  }
  r.expect(']');
  const size = name === 'BINARY.SIZE';
  return { kind: 'binary', peek: name !== 'BINARY', size, part, partial: size ? null : readPartial(r) };
}

function readItem(r: Reader): FetchItem {
  const name = r.itemName().toUpperCase();
  if (name === 'BINARY' || name === 'BINARY.PEEK' || name === 'BINARY.SIZE') return readBinary(r, name);
  if (name === 'BODY' || name === 'BODY.PEEK') {
    if (r.peek() !== 0x5b) {
      if (name === 'BODY.PEEK') r.fail('BODY.PEEK needs a section');
      return { kind: 'simple', name: 'BODY' };
    }
    const section = readSection(r);
    const partial = readPartial(r);
    return { kind: 'section', peek: name === 'BODY.PEEK', section, partial, label: sectionLabel(section) };
  }
  if (name === 'RFC822' || name === 'RFC822.HEADER' || name === 'RFC822.TEXT') return { kind: 'rfc822', name };
  if (SIMPLE.has(name)) return { kind: 'simple', name: name as 'FLAGS' };
  return r.fail(`unknown FETCH item ${name.slice(0, 30)}`);
}

export interface FetchRequest {
  items: FetchItem[];
  /** RFC 7162 §3.1.4 CHANGEDSINCE. */
  changedSince: number | null;
  /** RFC 7162 §3.2.6: also report expunged UIDs of the set (UID FETCH, QRESYNC only). */
  vanished: boolean;
}

/** A parenthesised fetch-att list (also what RFC 5465 §8 MessageNew carries). */
export function readFetchItemList(r: Reader): FetchItem[] {
  return r.list(() => readItem(r), false);
}

/** fetch-att list, a macro, or a single item; then optional modifiers. */
export function readFetchRequest(r: Reader): FetchRequest {
  let items: FetchItem[];
  if (r.peek() === 0x28) items = readFetchItemList(r);
  else {
    const start = r.pos;
    const word = r.atom().toUpperCase();
    const macro = MACROS[word];
    if (macro) items = macro.map((name) => ({ kind: 'simple', name }) as FetchItem);
    else {
      r.pos = start;
      items = [readItem(r)];
    }
  }
  let changedSince: number | null = null;
  let vanished = false;
  if (r.maybeSp()) {
    r.list(() => {
      const name = r.atom().toUpperCase();
      if (name === 'VANISHED') vanished = true;
      else if (name === 'CHANGEDSINCE') {
        r.sp();
        changedSince = r.number64();
      } else r.fail(`unknown FETCH modifier ${name.slice(0, 30)}`);
    }, false);
  }
  // RFC 7162 §3.2.6: VANISHED only with CHANGEDSINCE.
  if (vanished && changedSince === null) r.fail('VANISHED needs CHANGEDSINCE');
  return { items, changedSince, vanished };
}
