import { isCleanTag, TAG_RULE } from '../../shapes/tag-rule.js';
import type { MailStore } from '../../store/mail-store.js';
import type { RouteModule } from '../api.js';
import { arrayOf, line, nullable, object, required } from '../decode-body.js';
import { requestBody } from '../request-body.js';
import { jsonFail, ok } from '../respond.js';

/** mailpit-api.md §2.5; mailpit-api's setTags leaves Tags out to clear them, Go reads null alike. */
const SET_TAGS_BODY = object({ IDs: required(arrayOf(line)), Tags: nullable(arrayOf(line)) });
const RENAME_BODY = object({ Name: required(line) });

export const tagsRoutes: RouteModule = (app, api) => {
  app.get('/api/v1/tags', (c) => c.json(api.tags.list()));

  // Replaces the tags of the given messages; [] clears them.
  app.put('/api/v1/tags', async (c) => {
    const body = await requestBody(c, SET_TAGS_BODY);
    if (!body.ok) return body.response;
    const { IDs, Tags = [] } = body.value;
    if (IDs.length === 0) return jsonFail(c, 400, '"IDs" must name at least one message');
    const unclean = Tags.find((tag) => !isCleanTag(tag));
    if (unclean !== undefined) return jsonFail(c, 400, `"Tags" holds ${JSON.stringify(unclean)}, which is not a tag: ${TAG_RULE}`);
    await api.store.setTags(IDs, Tags);
    return ok(c);
  });

  app.put('/api/v1/tags/:Tag', async (c) => {
    const from = c.req.param('Tag');
    const body = await requestBody(c, RENAME_BODY);
    if (!body.ok) return body.response;
    const to = body.value.Name;
    if (!isCleanTag(to)) return jsonFail(c, 400, `"Name" is not a tag name: ${JSON.stringify(to)}: ${TAG_RULE}`);
    await retag(api.store, from, (tags) => [...tags.filter((t) => t !== from), to]);
    return ok(c);
  });

  app.delete('/api/v1/tags/:Tag', async (c) => {
    const tag = c.req.param('Tag');
    await retag(api.store, tag, (tags) => tags.filter((t) => t !== tag));
    return ok(c);
  });
};

/**
 * Gives every message carrying `tag` the tags `change` makes of its own. The writes
 * start together, so a backend may order them as one batch.
 */
async function retag(store: MailStore, tag: string, change: (tags: readonly string[]) => string[]): Promise<void> {
  const carrying = store.list({ limit: 0, filter: (m) => m.tags.includes(tag) }).items;
  await Promise.all(carrying.map((message) => store.setTags([message.id], change(message.tags))));
}
