import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../server/config.js';
import { Activity } from '../../server/lib/activity.js';
import { silentLogger } from '../../server/lib/log.js';
import { ParseCache } from '../../server/derived/parse-cache.js';
import { createApp } from '../../server/http/app.js';
import { Metrics } from '../../server/http/metrics.js';
import { ROUTES } from '../../server/http/openapi-doc.js';
import { TagCounts } from '../../server/http/tag-counts.js';
import { Waiters } from '../../server/http/waiters.js';
import { SearchIndex } from '../../server/store/search/search-index.js';
import { DeliveryService } from '../../server/store/delivery.js';
import { MemoryStore } from '../../server/store/memory-store.js';
import { startApi, type ApiBox } from './http-helpers.js';

/** Every method + path the router answers, in OpenAPI notation (`:ID` → `{ID}`). */
function routerOperations(): string[] {
  const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
  const metrics = new Metrics(store, new Activity());
  const app = createApp(
    {
      store, delivery: new DeliveryService({ store, maxSize: Infinity, logger: silentLogger }), config: defaultConfig(), logger: silentLogger, parsed: new ParseCache(), metrics,
      waiters: new Waiters(store), tags: new TagCounts(store), search: new SearchIndex(store), clock: () => new Date(), startedAt: new Date(), version: 'test', uiCredentials: null,
    },
    { uiDir: '/nonexistent' },
  );
  const operations = new Set<string>();
  for (const route of app.routes) {
    // Middleware (method ALL) and the web inbox's catch-all are not API operations.
    if (route.method === 'ALL' || route.path.endsWith('*')) continue;
    operations.add(`${route.method.toLowerCase()} ${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`);
  }
  return [...operations].sort();
}

function documentedOperations(paths: Record<string, Record<string, unknown>>): string[] {
  return Object.entries(paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`))
    .sort();
}

describe('OpenAPI document', () => {
  let api: ApiBox;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api.stop();
  });

  it('documents exactly the routes the router serves', () => {
    expect(routerOperations()).toEqual(documentedOperations(ROUTES));
  });

  it('is served at /api/v1/openapi.json as OpenAPI 3', async () => {
    const response = await fetch(`${api.base}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(documentedOperations(doc.paths)).toEqual(documentedOperations(ROUTES));
    for (const methods of Object.values(doc.paths)) for (const op of Object.values(methods)) expect(op.responses['200']).toBeDefined();
  });
});
