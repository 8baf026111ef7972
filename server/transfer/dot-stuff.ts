const DOT = Buffer.from('.');

/**
 * RFC 5321 §4.5.2 transparency: a line that starts with "." gets one more. Line starts
 * follow any LF, as servers read them. Nothing else changes; without such a line the
 * same buffer comes back.
 */
export function dotStuff(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  if (raw[0] === 0x2e) parts.push(DOT);
  for (let i = raw.indexOf(0x0a); i !== -1; i = raw.indexOf(0x0a, i + 1)) {
    if (raw[i + 1] !== 0x2e) continue;
    parts.push(raw.subarray(from, i + 1), DOT);
    from = i + 1;
  }
  if (parts.length === 0) return raw;
  parts.push(raw.subarray(from));
  return Buffer.concat(parts);
}
