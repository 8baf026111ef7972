import { crc32 } from 'node:zlib';

/**
 * How every journal file is framed:
 *
 *   u32 length of body | u32 CRC-32 of body | body
 *   body = u32 length of JSON | JSON | bytes (message bytes, or nothing)
 *
 * A crash can tear the last frame; reading stops at the first frame that is short
 * or whose checksum fails, and everything before it is intact.
 */
const FRAME_HEADER = 8;

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

export interface DecodedFrames {
  frames: DecodedFrame[];
  /** Bytes of intact frames; anything after is a torn tail to cut off. */
  validLength: number;
}

export function decodeFrames(data: Buffer): DecodedFrames {
  const frames: DecodedFrame[] = [];
  let offset = 0;
  while (offset + FRAME_HEADER <= data.length) {
    const bodyLength = data.readUInt32BE(offset);
    const end = offset + FRAME_HEADER + bodyLength;
    if (bodyLength < 4 || end > data.length) break;
    const body = data.subarray(offset + FRAME_HEADER, end);
    if (crc32(body) !== data.readUInt32BE(offset + 4)) break;
    const jsonLength = body.readUInt32BE(0);
    if (4 + jsonLength > body.length) break;
    let json: unknown;
    try {
      json = JSON.parse(body.subarray(4, 4 + jsonLength).toString('utf8'));
    } catch {
      break;
    }
    frames.push({ json, bytes: Buffer.from(body.subarray(4 + jsonLength)) });
    offset = end;
  }
  return { frames, validLength: offset };
}
