import { crc32 } from 'node:zlib';
import type { ClientInfo, Envelope } from '../types.js';
import type { FolderSnapshot, PlacementRecord } from '../folders.js';

/**
 * The journal is a sequence of framed records:
 *
 *   u32 length of body | u32 CRC-32 of body | body
 *   body = u32 length of JSON | JSON | message bytes (only for `msg`)
 *
 * A crash can tear the last record; reading stops at the first frame that is short
 * or whose checksum fails, and everything before it is intact.
 */
export type JournalRecord =
  | {
      t: 'msg';
      id: string;
      seq: number;
      envelope: Envelope;
      receivedAt: number;
      client: ClientInfo;
      flags: string[];
      tags: string[];
      modseq: number;
      places: PlacementRecord[];
      raw: Buffer;
    }
  | { t: 'state'; id: string; flags: string[]; tags: string[]; modseq: number }
  | { t: 'file'; id: string; place: PlacementRecord }
  | { t: 'unfile'; login: string; folder: string; uids: number[] }
  | { t: 'remove'; ids: string[] }
  | { t: 'clear' }
  | { t: 'folders'; login: string; folders: FolderSnapshot[] };

const FRAME_HEADER = 8;

export function encodeRecord(record: JournalRecord): Buffer {
  const { raw, json } = record.t === 'msg' ? splitRaw(record) : { raw: undefined, json: record };
  const jsonBytes = Buffer.from(JSON.stringify(json), 'utf8');
  const bodyLength = 4 + jsonBytes.length + (raw?.length ?? 0);
  const frame = Buffer.allocUnsafe(FRAME_HEADER + bodyLength);
  frame.writeUInt32BE(bodyLength, 0);
  frame.writeUInt32BE(jsonBytes.length, FRAME_HEADER);
  jsonBytes.copy(frame, FRAME_HEADER + 4);
  raw?.copy(frame, FRAME_HEADER + 4 + jsonBytes.length);
  frame.writeUInt32BE(crc32(frame.subarray(FRAME_HEADER)), 4);
  return frame;
}

function splitRaw(record: Extract<JournalRecord, { t: 'msg' }>) {
  const { raw, ...json } = record;
  return { raw, json };
}

export interface DecodeResult {
  records: JournalRecord[];
  /** Bytes of intact records; anything after is a torn tail to cut off. */
  validLength: number;
}

export function decodeRecords(data: Buffer): DecodeResult {
  const records: JournalRecord[] = [];
  let offset = 0;
  while (offset + FRAME_HEADER <= data.length) {
    const bodyLength = data.readUInt32BE(offset);
    const end = offset + FRAME_HEADER + bodyLength;
    if (bodyLength < 4 || end > data.length) break;
    const body = data.subarray(offset + FRAME_HEADER, end);
    if (crc32(body) !== data.readUInt32BE(offset + 4)) break;
    const jsonLength = body.readUInt32BE(0);
    if (4 + jsonLength > body.length) break;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.subarray(4, 4 + jsonLength).toString('utf8'));
    } catch {
      break;
    }
    const record = parsed as JournalRecord;
    // The message bytes are copied out so the file's buffer can be freed.
    if (record.t === 'msg') record.raw = Buffer.from(body.subarray(4 + jsonLength));
    records.push(record);
    offset = end;
  }
  return { records, validLength: offset };
}
