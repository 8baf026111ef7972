import type { Context } from 'hono';
import { SEEN, type Page, type StoredMessage } from '../../store/types.js';
import type { CompiledSearch } from '../../store/search/compile.js';
import type { Api, RouteModule } from '../api.js';
import { summaryDto } from '../../shapes/mailpit-json.js';
import type { MessagesSummary } from '../../shapes/wire-types.js';
import { arrayOf, boolean, line, object, optional } from '../decode-body.js';
import { requestBody } from '../request-body.js';
import { beforeParam, paging, searchFrom } from '../resolve.js';
import { fail, jsonFail, ok } from '../respond.js';

/**
 * PUT and DELETE /api/v1/messages bodies (mailpit-api.md §2.2). `null` is refused for
 * every key: Go would read `{"IDs": null}` as "all messages", a wipe nobody asks for
 * by sending null. DELETE takes no Search (that is DELETE /api/v1/search).
 */
const MARK_BODY = object({ IDs: optional(arrayOf(line)), Read: optional(boolean), Search: optional(line) });
const DELETE_BODY = object({ IDs: optional(arrayOf(line)) });

/** Mailpit's list/search envelope (§1.4 of the API reference): lower-case keys. */
export function listEnvelope(api: Api, page: Page<StoredMessage>, start: number): MessagesSummary {
  const stats = api.store.stats();
  return {
    total: stats.messages,
    unread: stats.unread,
    count: page.items.length,
    messages_count: page.matched,
    messages_unread: page.matchedUnread,
    start,
    tags: api.tags.list(),
    messages: page.items.map(summaryDto),
  };
}

function list(c: Context, api: Api, search?: Extract<CompiledSearch, { ok: true }>) {
  const paged = paging(c);
  if (!paged.ok) return fail(c, 400, paged.message);
  const before = beforeParam(c);
  if (!before.ok) return fail(c, 400, before.message);
  const query = { start: paged.start, limit: paged.limit, before: before.before };
  const page = search ? api.search.page(search, query) : api.store.list(query);
  return c.json(listEnvelope(api, page, paged.start));
}

export const messagesRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/messages', (c) => list(c, api));

  app.get('/api/v1/search', async (c) => {
    const query = c.req.query('query') ?? '';
    if (query.trim() === '') return fail(c, 400, 'Error: no search query');
    const search = await searchFrom(c, api, query);
    if (!search.ok) return fail(c, 400, search.error);
    return list(c, api, search);
  });

  app.delete('/api/v1/search', async (c) => {
    const query = c.req.query('query') ?? '';
    if (query.trim() === '') return fail(c, 400, 'Error: no search query');
    const search = await searchFrom(c, api, query);
    if (!search.ok) return fail(c, 400, search.error);
    const ids = api.search.page(search, { limit: 0 }).items.map((m) => m.id);
    await api.store.remove(ids, 'deleted');
    return ok(c);
  });

  // Mark read/unread by IDs, by search, or everything (Mailpit: neither given = all).
  app.put('/api/v1/messages', async (c) => {
    const body = await requestBody(c, MARK_BODY);
    if (!body.ok) return body.response;
    const { IDs = [], Read = false, Search } = body.value;
    // Mailpit reads a blank Search as "no search", i.e. every message; a script whose
    // search came out empty meant some messages, so it is refused here.
    if (Search !== undefined && Search.trim() === '') return jsonFail(c, 400, '"Search" is blank: leave it out to mark every message');
    if (IDs.length > 0 && Search !== undefined) return jsonFail(c, 400, 'give either IDs or Search, not both');
    let ids: readonly string[];
    if (IDs.length > 0) ids = IDs;
    else if (Search !== undefined) {
      const search = await searchFrom(c, api, Search);
      if (!search.ok) return jsonFail(c, 400, search.error);
      ids = api.store.list({ limit: 0, filter: search.filter }).items.map((m) => m.id);
    } else ids = api.store.messages().map((m) => m.id);
    await api.store.setFlags(ids, Read ? 'add' : 'remove', [SEEN]);
    return ok(c);
  });

  // Delete by IDs; Mailpit's documented "everything" is no body, `{}` or `{"IDs": []}`.
  app.delete('/api/v1/messages', async (c) => {
    const body = await requestBody(c, DELETE_BODY);
    if (!body.ok) return body.response;
    const { IDs = [] } = body.value;
    if (IDs.length > 0) await api.store.remove(IDs, 'deleted');
    else await api.store.clear();
    return ok(c);
  });
};
