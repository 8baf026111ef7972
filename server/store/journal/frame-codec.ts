import { crc32 } from 'node:zlib';

/**
 * How every journal file is framed:
 *
 *   u32 length of body | u32 CRC-32 of body | body
 *   body = u32 length of JSON | JSON | bytes (message bytes, or nothing)
 *
 * The JSON is always an object. A crash can tear the last frame: that torn tail is cut
 * off, and everything before it is intact. Damage followed by sound frames (a flipped
 * bit on the disk) is read past, never taken for a tail, so one bad frame does not
 * hide the frames after it; see decodeFrames for how.
 */
const FRAME_HEADER = 8;
/** `{`, the first byte of every frame's JSON. */
const OPEN_BRACE = 0x7b;

export function encodeFrame(json: unknown, bytes?: Buffer): Buffer {
  const jsonBytes = Buffer.from(JSON.stringify(json), 'utf8');
  const bodyLength = 4 + jsonBytes.length + (bytes?.length ?? 0);
  const frame = Buffer.allocUnsafe(FRAME_HEADER + bodyLength);
  frame.writeUInt32BE(bodyLength, 0);
  frame.writeUInt32BE(jsonBytes.length, FRAME_HEADER);
  jsonBytes.copy(frame, FRAME_HEADER + 4);
  bytes?.copy(frame, FRAME_HEADER + 4 + jsonBytes.length);
  frame.writeUInt32BE(crc32(frame.subarray(FRAME_HEADER)), 4);
  return frame;
}

export interface DecodedFrame {
  json: unknown;
  /** The bytes after the JSON, copied out so the file's buffer can be freed. */
  bytes: Buffer;
}

/** A stretch of damaged bytes in the middle of a file, read past. */
export interface SkippedStretch {
  offset: number;
  bytes: number;
  /**
   * `frame`: one frame whose length led to a sound frame but whose checksum or JSON
   * failed. `scan`: a frame whose length was damaged too, skipped by looking for the
   * next sound frame (it may have held more than one frame).
   */
  kind: 'frame' | 'scan';
}

/** Damage found in the middle of a file (none when it is whole or only its tail is torn). */
export interface FrameDamage {
  skipped: SkippedStretch[];
  /** Frames skipped: a `scan` stretch counts as one, though it may have held more. */
  skippedFrames: number;
  skippedBytes: number;
  /** Frames whose length field was damaged, found whole by their checksum and read back. */
  repairedFrames: number;
  /**
   * Bytes from validLength on that are not a torn tail: sound frames follow there,
   * but none could be reached reliably (see decodeFrames). They are not read.
   */
  unreadableBytes: number;
}

export interface DecodedFrames {
  frames: DecodedFrame[];
  /** Where the frames read end: anything after is a torn tail to cut off (or, see damage, unreadable). */
  validLength: number;
  damage: FrameDamage;
}

/** Whether decodeFrames found damage other than a torn tail: the file is not what a crash leaves. */
export function damagedInTheMiddle(damage: FrameDamage): boolean {
  return damage.skipped.length > 0 || damage.repairedFrames > 0 || damage.unreadableBytes > 0;
}

type FrameAt = { ok: true; frame: DecodedFrame; end: number } | { ok: false; end?: number };

/** The frame starting at `offset` if it is sound: a plausible length, its checksum, its JSON. `end` when only the length is plausible. */
function frameAt(data: Buffer, offset: number): FrameAt {
  if (offset + FRAME_HEADER > data.length) return { ok: false };
  const bodyLength = data.readUInt32BE(offset);
  const end = offset + FRAME_HEADER + bodyLength;
  if (bodyLength < 4 || end > data.length) return { ok: false };
  const frame = bodyOf(data.subarray(offset + FRAME_HEADER, end), data.readUInt32BE(offset + 4));
  return frame ? { ok: true, frame, end } : { ok: false, end };
}

/** A frame's body decoded, if it passes its checksum and holds an object's JSON. */
function bodyOf(body: Buffer, checksum: number): DecodedFrame | undefined {
  if (body.length < 4 || crc32(body) !== checksum) return undefined;
  const jsonLength = body.readUInt32BE(0);
  if (4 + jsonLength > body.length) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body.subarray(4, 4 + jsonLength).toString('utf8'));
  } catch {
    return undefined;
  }
  return { json, bytes: Buffer.from(body.subarray(4 + jsonLength)) };
}

/** Cheap test before frameAt while scanning: a length that fits, a JSON length within it, and `{`. */
function mayStartFrame(data: Buffer, offset: number): boolean {
  if (data[offset + FRAME_HEADER + 4] !== OPEN_BRACE || offset + FRAME_HEADER + 5 > data.length) return false;
  const bodyLength = data.readUInt32BE(offset);
  if (bodyLength < 5 || offset + FRAME_HEADER + bodyLength > data.length) return false;
  const jsonLength = data.readUInt32BE(offset + FRAME_HEADER);
  return jsonLength >= 2 && 4 + jsonLength <= bodyLength;
}

/**
 * Reads every sound frame of a journal file.
 *
 * A frame that fails at `offset` is one of three things:
 *
 * - Its length is sound but its checksum (or JSON) is not, and a sound frame starts
 *   where that length ends: the damage is inside that frame. It is skipped (`frame`).
 * - Its length itself is damaged. The checksum covers the body, not the length, so the
 *   frame's end is where the CRC-32 of the bytes from its body on equals the checksum
 *   it carries, and a sound frame (or the end of the file) follows. That finds the
 *   true end of a frame whose only damage is its length, and the frame is read back
 *   whole (`repairedFrames`). A chance match needs a 1 in 2^32 coincidence at one of
 *   the few places where a sound frame starts; and message bytes cannot be made to
 *   match on purpose, since the body starts with the record's JSON, which the sender
 *   does not know (the id is random).
 * - Both its length and its body are damaged: the next sound frame is looked for by
 *   scanning forward, byte by byte (`scan`). A random match is as unlikely as above,
 *   but this resync can be fooled by message bytes that hold well-formed frames
 *   themselves (a journal mailed as 8-bit content), so the place taken is the first
 *   from which sound frames follow one another to the very end of the file, or to
 *   further damage past which such a place is found in turn. Frames inside a message
 *   then pass only when that message's own frame is the damaged one (elsewhere its real
 *   start comes first), and never in a torn tail (the chains would have to end exactly
 *   where a crash cut the file). When no such place exists, nothing past the damage is
 *   read (`unreadableBytes`). Either way the caller keeps the file as it was.
 *
 * A failing frame that no sound frame follows is a torn tail: the last write, cut short
 * by a crash or a full disk (or bytes appended after it; a last frame whose length was
 * written but not all of its body looks the same). Reading stops there, at
 * validLength, as it always did.
 */
export function decodeFrames(data: Buffer): DecodedFrames {
  const frames: DecodedFrame[] = [];
  const damage: FrameDamage = { skipped: [], skippedFrames: 0, skippedBytes: 0, repairedFrames: 0, unreadableBytes: 0 };
  const skip = (offset: number, bytes: number, kind: SkippedStretch['kind']) => {
    damage.skipped.push({ offset, bytes, kind });
    damage.skippedFrames++;
    damage.skippedBytes += bytes;
  };
  let offset = 0;
  while (offset + FRAME_HEADER <= data.length) {
    const found = frameAt(data, offset);
    if (found.ok) {
      frames.push(found.frame);
      offset = found.end;
      continue;
    }
    if (found.end !== undefined && found.end < data.length && frameAt(data, found.end).ok) {
      skip(offset, found.end - offset, 'frame');
      offset = found.end;
      continue;
    }
    const resync = resyncAfter(data, offset);
    if (resync.repaired) {
      frames.push(resync.repaired.frame);
      damage.repairedFrames++;
      offset = resync.repaired.end;
      continue;
    }
    if (resync.next !== undefined) {
      skip(offset, resync.next - offset, 'scan');
      offset = resync.next;
      continue;
    }
    // Nothing sound follows: a torn tail, unless sound frames lie beyond that could not be trusted.
    if (resync.soundAfter) damage.unreadableBytes = data.length - offset;
    break;
  }
  return { frames, validLength: offset, damage };
}

interface Resync {
  /** The failing frame read back whole: only its length was damaged. */
  repaired?: { frame: DecodedFrame; end: number };
  /** Where reading resumes after a stretch found by scanning. */
  next?: number;
  /** Whether any sound frame starts after the failing one (then it is not a torn tail). */
  soundAfter: boolean;
}

/** Where sound frames resume after the frame failing at `start` (see decodeFrames). */
function resyncAfter(data: Buffer, start: number): Resync {
  const checksum = data.readUInt32BE(start + 4);
  const bodyStart = start + FRAME_HEADER;
  /** Each place a sound frame starts, with where it ends, in order. */
  const sound: Array<{ at: number; end: number }> = [];
  let crc = 0;
  let crcTo = bodyStart;
  const bodyEndsAt = (at: number): DecodedFrame | undefined => {
    crc = crc32(data.subarray(crcTo, at), crc);
    crcTo = at;
    return crc === checksum ? bodyOf(data.subarray(bodyStart, at), checksum) : undefined;
  };
  // From the byte after the failing frame's start: bytes put in before a frame are skipped too.
  for (let at = start + 1; at < data.length; at++) {
    if (!mayStartFrame(data, at)) continue;
    const end = soundEnd(data, at);
    if (end === undefined) continue;
    sound.push({ at, end });
    const frame = at > bodyStart ? bodyEndsAt(at) : undefined;
    if (frame) return { repaired: { frame, end: at }, soundAfter: true };
  }
  const frame = bodyEndsAt(data.length);
  if (frame) return { repaired: { frame, end: data.length }, soundAfter: sound.length > 0 };
  // The first place from which sound frames run, one after another, to the end of the file,
  // or to further damage after which such a place comes in turn (taken from the last back).
  const starts = new Set(sound.map(({ at }) => at));
  const reaching = new Set<number>([data.length]);
  // The furthest such place found so far (they are found from the last back).
  let furthest = -1;
  for (let i = sound.length - 1; i >= 0; i--) {
    const { at, end } = sound[i] as { at: number; end: number };
    if (reaching.has(end) || (!starts.has(end) && furthest > end)) {
      reaching.add(at);
      furthest = Math.max(furthest, at);
    }
  }
  const next = sound.find(({ at }) => reaching.has(at))?.at;
  return { next, soundAfter: sound.length > 0 };
}

/** Where the frame at `at` ends if its length is plausible and its checksum holds: what the scan asks, without parsing or copying it. */
function soundEnd(data: Buffer, at: number): number | undefined {
  const bodyLength = data.readUInt32BE(at);
  const end = at + FRAME_HEADER + bodyLength;
  if (bodyLength < 4 || end > data.length) return undefined;
  return crc32(data.subarray(at + FRAME_HEADER, end)) === data.readUInt32BE(at + 4) ? end : undefined;
}

/**
 * What a damaged journal lost, for a log line or migrate's output: `cut` is what was
 * left unread at its end (a torn tail, or bytes that could not be read past).
 */
export function damageReport(damage: FrameDamage, cut: number): { framesSkipped: number; bytesSkipped: number; framesRepaired: number; bytesUnreadable: number; tornTailBytes: number; skipped: string } {
  return {
    framesSkipped: damage.skippedFrames,
    bytesSkipped: damage.skippedBytes,
    framesRepaired: damage.repairedFrames,
    bytesUnreadable: damage.unreadableBytes,
    tornTailBytes: cut - damage.unreadableBytes,
    // Where, as offset+length in bytes: a few, then how many more.
    skipped: damage.skipped.slice(0, 8).map(({ offset, bytes }) => `${offset}+${bytes}`).join(' ') + (damage.skipped.length > 8 ? ` and ${damage.skipped.length - 8} more` : ''),
  };
}
