import { mboxRecord } from './mbox.js';
import { ZipWriter } from './zip-writer.js';

/** What an export needs of a stored message. */
export interface ArchivedMessage {
  id: string;
  raw: Buffer;
  envelope: { mailFrom: string };
  receivedAt: Date;
}

export const ARCHIVE_FORMATS = ['mbox', 'zip'] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

export const ARCHIVE_TYPES: Record<ArchiveFormat, string> = {
  // RFC 4155 registers application/mbox.
  mbox: 'application/mbox',
  zip: 'application/zip',
};

/**
 * An archive of messages, oldest first, produced one message at a time so an export
 * never holds a second copy of the store: an mbox, or a zip of `NNNNN-<id>.eml` files
 * whose bytes are exactly the stored ones.
 */
export function* archiveChunks(messages: Iterable<ArchivedMessage>, format: ArchiveFormat): Generator<Buffer> {
  if (format === 'mbox') {
    for (const m of messages) yield mboxRecord({ sender: m.envelope.mailFrom, receivedAt: m.receivedAt, raw: m.raw });
    return;
  }
  const zip = new ZipWriter();
  let n = 0;
  for (const m of messages) yield zip.entry(`${String(++n).padStart(5, '0')}-${m.id}.eml`, m.raw, m.receivedAt);
  yield zip.finish();
}
