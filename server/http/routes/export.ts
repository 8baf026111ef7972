import type { StoredMessage } from '../../store/types.js';
import { ARCHIVE_FORMATS, ARCHIVE_TYPES, storedArchiveChunks, type ArchiveFormat } from '../../transfer/archive.js';
import { ZIP_MAX_BYTES, ZIP_MAX_ENTRIES, ZipLimitError } from '../../transfer/zip-writer.js';
import type { RouteModule } from '../api.js';
import { searchFrom } from '../resolve.js';
import { fail } from '../respond.js';

/**
 * GET /api/v1/export?format=mbox|zip&query=: the messages (those a search finds, or
 * all), oldest first, as an mbox or a zip of .eml files, streamed one message at a
 * time. `X-Letterbox-Messages` tells how many were listed (one deleted before its turn
 * is left out). Letterbox only; Mailpit has `dump`.
 */
export const exportRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/export', async (c) => {
    const format = (c.req.query('format') ?? 'mbox') as ArchiveFormat;
    if (!ARCHIVE_FORMATS.includes(format)) return fail(c, 400, `format must be ${ARCHIVE_FORMATS.join(' or ')}`);
    const query = c.req.query('query') ?? '';
    let messages: readonly StoredMessage[] = api.store.messages();
    if (query.trim() !== '') {
      const search = await searchFrom(c, api, query);
      if (!search.ok) return fail(c, 400, search.error);
      messages = messages.filter(search.filter);
    } else {
      messages = [...messages];
    }
    if (format === 'zip') {
      // Refused before the first byte rather than broken half-way: a zip without ZIP64 stops at 4 GiB and 65,535 entries.
      const bytes = messages.reduce((sum, m) => sum + m.size + 128, 22);
      if (messages.length > ZIP_MAX_ENTRIES || bytes > ZIP_MAX_BYTES) return fail(c, 413, 'too much mail for a zip (4 GiB, 65,535 messages at most); use format=mbox or a query');
    }
    const chunks = storedArchiveChunks(messages, format, (id) => api.store.readRaw(id));
    const log = api.logger.child({ route: 'export' });
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          // Headers are gone by now: the only honest signal left is a broken stream.
          log.warn('export stopped', { error: error instanceof ZipLimitError ? error.message : error });
          controller.error(error);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    const stamp = api.clock().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': ARCHIVE_TYPES[format],
        'content-disposition': `attachment; filename="letterbox-${stamp}.${format === 'zip' ? 'zip' : 'mbox'}"`,
        'x-letterbox-messages': String(messages.length),
      },
    });
  });
};
