/**
 * Splits a raw message into its MIME parts (RFC 2046 §5.1), numbered as IMAP does
 * (RFC 3501 §6.4.5: `1`, `1.2`, …), so the Raw tab can show one part's source.
 * It only cuts text at boundaries; decoding is the server's job.
 */
export interface RawPart {
  id: string;
  contentType: string;
  source: string;
}

const MAX_PARTS = 500;

function headerEnd(source: string): number {
  const m = /\r?\n\r?\n/.exec(source);
  return m ? m.index + m[0].length : source.length;
}

function contentType(headers: string): string {
  const m = /^content-type:[ \t]*((?:[^\r\n]|\r?\n[ \t])*)/im.exec(headers);
  return m?.[1]?.replace(/\r?\n[ \t]/g, ' ').trim() ?? 'text/plain';
}

function boundaryOf(type: string): string | null {
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

export function mimeParts(raw: string): RawPart[] {
  const out: RawPart[] = [];
  const walk = (source: string, id: string) => {
    if (out.length >= MAX_PARTS) return;
    const end = headerEnd(source);
    const type = contentType(source.slice(0, end));
    const boundary = /^multipart\//i.test(type) ? boundaryOf(type) : null;
    if (id) out.push({ id, contentType: type.split(';')[0] ?? type, source });
    if (!boundary) return;
    const body = source.slice(end);
    const delimiter = new RegExp(`(?:^|\\r?\\n)--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
    const cuts: Array<{ start: number; end: number; last: boolean }> = [];
    for (let m = delimiter.exec(body); m; m = delimiter.exec(body)) {
      cuts.push({ start: m.index, end: m.index + m[0].length, last: m[1] === '--' });
      if (m[1] === '--') break;
    }
    for (let i = 0; i + 1 < cuts.length; i++) {
      const from = cuts[i];
      const to = cuts[i + 1];
      if (!from || !to || from.last) break;
      walk(body.slice(from.end, to.start).replace(/^\r?\n/, ''), id ? `${id}.${i + 1}` : String(i + 1));
    }
  };
  walk(raw, '');
  return out;
}
