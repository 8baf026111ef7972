import type { ClientInfo, Envelope } from '../types.js';
import type { FolderSnapshot, PlacementRecord } from '../folders.js';
import { decodeFrames, encodeFrame, type FrameDamage } from './frame-codec.js';

/**
 * The store's journal records, one frame each (see frame-codec.ts); a `msg` record
 * carries the message bytes after its JSON, unescaped.
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
  /** `modseq` is the expunge's (StoreEvents.unfiled); journals written before it lack it. */
  | { t: 'unfile'; login: string; folder: string; uids: number[]; modseq?: number }
  | { t: 'remove'; ids: string[] }
  | { t: 'clear' }
  /**
   * `subscriptions` may name no folder (RFC 3501 §6.3.9); `opened`: a client opened the
   * login (Folders.open); journals written before them lack them. No folders: the login
   * was forgotten.
   */
  | { t: 'folders'; login: string; folders: FolderSnapshot[]; subscriptions?: string[]; opened?: boolean };

export function encodeRecord(record: JournalRecord): Buffer {
  if (record.t !== 'msg') return encodeFrame(record);
  const { raw, ...json } = record;
  return encodeFrame(json, raw);
}

export interface DecodeResult {
  records: JournalRecord[];
  /** Where the records read end: anything after is a torn tail to cut off (or, see damage, unreadable). */
  validLength: number;
  /** What was read past in the middle of the file (frame-codec.ts). */
  damage: FrameDamage;
}

export function decodeRecords(data: Buffer): DecodeResult {
  const { frames, validLength, damage } = decodeFrames(data);
  const records: JournalRecord[] = [];
  for (const { json, bytes } of frames) {
    // Every record is an object with its type; anything else is no record of this file's.
    if (typeof json !== 'object' || json === null || typeof (json as { t?: unknown }).t !== 'string') continue;
    const record = json as JournalRecord;
    if (record.t === 'msg') record.raw = bytes;
    records.push(record);
  }
  return { records, validLength, damage };
}
