import { mboxRecord } from './mbox.js';
import { ZipWriter } from './zip-writer.js';

/** What an archive holds of a message: its bytes, and what its mbox `From ` line or zip entry names. */
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

/** Writes an archive one message at a time: each entry's bytes, then the end. */
interface ArchiveWriter {
  entry(message: ArchivedMessage): Buffer;
  end(): Buffer[];
}

/**
 * An mbox, or a zip of `NNNNN-<id>.eml` files whose bytes are exactly the stored ones,
 * written one message at a time so an export never holds a second copy of the store.
 */
function archiveWriter(format: ArchiveFormat): ArchiveWriter {
  if (format === 'mbox') {
    return { entry: (m) => mboxRecord({ sender: m.envelope.mailFrom, receivedAt: m.receivedAt, raw: m.raw }), end: () => [] };
  }
  const zip = new ZipWriter();
  let n = 0;
  return { entry: (m) => zip.entry(`${String(++n).padStart(5, '0')}-${m.id}.eml`, m.raw, m.receivedAt), end: () => [zip.finish()] };
}

/** An archive of messages in hand, oldest first. */
export function* archiveChunks(messages: Iterable<ArchivedMessage>, format: ArchiveFormat): Generator<Buffer> {
  const writer = archiveWriter(format);
  for (const m of messages) yield writer.entry(m);
  yield* writer.end();
}

/**
 * An archive of stored messages, oldest first, each one's bytes read through the
 * store (readRaw) when its turn comes, so only one message's bytes are in hand at a
 * time. A message deleted since the listing is left out.
 */
export async function* storedArchiveChunks(
  messages: Iterable<Omit<ArchivedMessage, 'raw'>>,
  format: ArchiveFormat,
  readRaw: (id: string) => Promise<Buffer | undefined>,
): AsyncGenerator<Buffer> {
  const writer = archiveWriter(format);
  for (const m of messages) {
    const raw = await readRaw(m.id);
    if (raw) yield writer.entry({ id: m.id, envelope: m.envelope, receivedAt: m.receivedAt, raw });
  }
  yield* writer.end();
}
