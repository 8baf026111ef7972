import { parseDuration } from '../../lib/options.js';
import { liveTest, type MessagePredicate, type MessageTest } from '../../store/search/compile.js';
import type { RouteModule } from '../api.js';
import { summaryDto } from '../../shapes/mailpit-json.js';
import { searchFrom, searchOptions } from '../resolve.js';
import { jsonFail } from '../respond.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * GET /api/v1/wait?query=&after=&timeout=: answers with the summary of the first
 * message matching `query` that is newer than `after` (any, without it), as soon as
 * one exists; 408 JSON once `timeout` passes (default 30s, capped by --wait-max-timeout).
 */
export const waitRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/wait', async (c) => {
    const query = c.req.query('query') ?? '';
    let filter: MessagePredicate = () => true;
    let test: MessageTest = filter;
    if (query.trim() !== '') {
      const search = await searchFrom(c, api, query);
      if (!search.ok) return jsonFail(c, 400, search.error);
      filter = search.filter;
      test = liveTest(api.store, query, search, searchOptions(c));
    }
    let afterSeq = 0;
    const after = c.req.query('after');
    if (after) {
      const message = api.store.get(after);
      if (!message) return jsonFail(c, 404, `unknown message "${after}" in after`);
      afterSeq = message.seq;
    }
    const timeoutText = c.req.query('timeout');
    const timeoutMs = timeoutText ? parseDuration(timeoutText) : DEFAULT_TIMEOUT_MS;
    if (timeoutMs === undefined) return jsonFail(c, 400, `timeout must be a duration such as 30s or 500ms, got "${timeoutText}"`);
    api.metrics.front.waiters++;
    try {
      const found = await api.waiters.wait({ filter, test }, afterSeq, Math.min(timeoutMs, api.config.waitMaxTimeout), c.req.raw.signal);
      if (!found) return jsonFail(c, 408, 'no matching message arrived before the timeout');
      return c.json(summaryDto(found));
    } finally {
      api.metrics.front.waiters--;
    }
  });
};
