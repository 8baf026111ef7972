import { cleanTag, cleanTags } from '../../mime/delivery-tags.js';
import type { RouteModule } from '../api.js';
import { isRecord, isStringArray, readJsonBody } from '../read-body.js';
import { fail, ok } from '../respond.js';

export const tagsRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/tags', (c) => c.json(api.tags.list()));

  // Replaces the tags of the given messages; [] clears them.
  app.put('/api/v1/tags', async (c) => {
    const body = await readJsonBody(c);
    if (!body.ok) return fail(c, body.status, body.message);
    if (!isRecord(body.value)) return fail(c, 400, 'expected a JSON object with IDs and Tags');
    const { IDs, Tags } = body.value;
    if (!isStringArray(IDs) || IDs.length === 0) return fail(c, 400, 'IDs must be a non-empty array of strings');
    if (Tags !== undefined && Tags !== null && !isStringArray(Tags)) return fail(c, 400, 'Tags must be an array of strings');
    api.store.setTags(IDs, cleanTags(Tags ?? []));
    return ok(c);
  });

  app.put('/api/v1/tags/:Tag', async (c) => {
    const from = c.req.param('Tag');
    const body = await readJsonBody(c);
    if (!body.ok) return fail(c, body.status, body.message);
    if (!isRecord(body.value) || typeof body.value['Name'] !== 'string') return fail(c, 400, 'expected a JSON object with Name');
    const to = cleanTag(body.value['Name']);
    if (!to) return fail(c, 400, 'invalid tag name');
    for (const message of api.store.list({ limit: 0, filter: (m) => m.tags.includes(from) }).items) {
      api.store.setTags([message.id], [...message.tags.filter((t) => t !== from), to]);
    }
    return ok(c);
  });

  app.delete('/api/v1/tags/:Tag', (c) => {
    const tag = c.req.param('Tag');
    for (const message of api.store.list({ limit: 0, filter: (m) => m.tags.includes(tag) }).items) {
      api.store.setTags([message.id], message.tags.filter((t) => t !== tag));
    }
    return ok(c);
  });
};
