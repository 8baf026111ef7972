import type { Context } from 'hono';
import { SEEN } from '../../store/memory-store.js';
import type { CompiledSearch } from '../../store/search/compile.js';
import type { Page, StoredMessage } from '../../store/types.js';
import type { Api, RouteModule } from '../api.js';
import { summaryDto } from '../../shapes/mailpit-json.js';
import { isRecord, isStringArray, readJsonBody } from '../read-body.js';
import { beforeParam, paging, searchFrom } from '../resolve.js';
import { fail, ok } from '../respond.js';

/** Mailpit's list/search envelope (§1.4 of the API reference): lower-case keys. */
export function listEnvelope(api: Api, page: Page<StoredMessage>, start: number) {
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

  app.get('/api/v1/search', (c) => {
    const query = c.req.query('query') ?? '';
    if (query.trim() === '') return fail(c, 400, 'Error: no search query');
    const search = searchFrom(c, query);
    if (!search.ok) return fail(c, 400, search.error);
    return list(c, api, search);
  });

  app.delete('/api/v1/search', (c) => {
    const query = c.req.query('query') ?? '';
    if (query.trim() === '') return fail(c, 400, 'Error: no search query');
    const search = searchFrom(c, query);
    if (!search.ok) return fail(c, 400, search.error);
    const ids = api.search.page(search, { limit: 0 }).items.map((m) => m.id);
    api.store.remove(ids, 'deleted');
    return ok(c);
  });

  // Mark read/unread by IDs, by search, or everything (Mailpit: neither given = all).
  app.put('/api/v1/messages', async (c) => {
    const body = await readJsonBody(c);
    if (!body.ok) return fail(c, body.status, body.message);
    const value = body.value ?? {};
    if (!isRecord(value)) return fail(c, 400, 'expected a JSON object');
    const { IDs, Read, Search } = value;
    if (IDs !== undefined && IDs !== null && !isStringArray(IDs)) return fail(c, 400, 'IDs must be an array of strings');
    if (Read !== undefined && typeof Read !== 'boolean') return fail(c, 400, 'Read must be true or false');
    if (Search !== undefined && typeof Search !== 'string') return fail(c, 400, 'Search must be a string');
    const hasIds = Array.isArray(IDs) && IDs.length > 0;
    const hasSearch = typeof Search === 'string' && Search.trim() !== '';
    if (hasIds && hasSearch) return fail(c, 400, 'give either IDs or Search, not both');
    let ids: string[];
    if (hasIds) ids = IDs as string[];
    else if (hasSearch) {
      const search = searchFrom(c, Search as string);
      if (!search.ok) return fail(c, 400, search.error);
      ids = api.store.list({ limit: 0, filter: search.filter }).items.map((m) => m.id);
    } else ids = api.store.messages().map((m) => m.id);
    api.store.setFlags(ids, Read === true ? 'add' : 'remove', [SEEN]);
    return ok(c);
  });

  // Delete by IDs; an empty or missing body deletes everything (Mailpit's behaviour).
  app.delete('/api/v1/messages', async (c) => {
    const body = await readJsonBody(c);
    if (!body.ok) return fail(c, body.status, body.message);
    const value = body.value;
    if (value !== undefined && !isRecord(value)) return fail(c, 400, 'expected a JSON object');
    const ids = value?.['IDs'];
    if (ids !== undefined && ids !== null && !isStringArray(ids)) return fail(c, 400, 'IDs must be an array of strings');
    if (Array.isArray(ids) && ids.length > 0) {
      api.store.remove(ids, 'deleted');
    } else {
      api.store.clear();
    }
    return ok(c);
  });
};
