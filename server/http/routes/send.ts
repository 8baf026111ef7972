import type { RouteModule } from '../api.js';
import { requestBody } from '../request-body.js';
import { jsonFail } from '../respond.js';
import { checkSendRequest, renderSendRequest, SEND_BODY } from '../send-message.js';

/**
 * POST /api/v1/send: the JSON becomes a MIME message stored exactly as if it had come
 * over SMTP (same delivery service: size limit, tags, events), with client.via 'api'.
 * The answer, like SMTP's 250, comes once the message is committed.
 */
export const sendRoutes: RouteModule = (app, api) => {
  app.post('/api/v1/send', async (c) => {
    const limit = api.delivery.maxSize;
    // The JSON carries base64 (4/3 of the bytes) plus the text; allow for it, then check the rendering.
    const body = await requestBody(c, SEND_BODY, Math.ceil(limit * 1.4) + 64 * 1024);
    if (!body.ok) return body.response;
    const request = checkSendRequest(body.value);
    if (!request.ok) return jsonFail(c, 400, request.error);
    const raw = await renderSendRequest(request.value, api.config.hostname);
    const v = request.value;
    const result = await api.delivery.deliver({
      raw,
      envelope: { mailFrom: v.from.address, rcptTo: [...v.to, ...v.cc].map((p) => p.address).concat(v.bcc) },
      client: { address: c.get('clientAddress') ?? '', username: c.get('username') ?? '', via: 'api', helo: '', secure: false },
    });
    if (result.ok) return c.json({ ID: result.message.id });
    if (result.refusal.reason === 'too-large') return jsonFail(c, 413, `message exceeds the maximum size of ${limit} bytes`);
    if (result.refusal.reason === 'unrouted') return jsonFail(c, 422, result.refusal.text);
    return jsonFail(c, 503, 'could not save the message, try again');
  });
};
