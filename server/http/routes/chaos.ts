import { Chaos, CHAOS_STAGES, ChaosError, PAUSE_MODES, STAGE_NAMES, type ChaosStage, type ChaosTrigger } from '../../chaos/chaos.js';
import type { ChaosPause, ChaosTriggers } from '../../shapes/wire-types.js';
import type { RouteModule } from '../api.js';
import { integer, nullable, object, oneOf, required } from '../decode-body.js';
import { requestBody } from '../request-body.js';
import { fail, jsonFail } from '../respond.js';

function triggersDto(chaos: Chaos): ChaosTriggers {
  const triggers = chaos.triggers();
  return Object.fromEntries(CHAOS_STAGES.map((stage) => [STAGE_NAMES[stage], { ErrorCode: triggers[stage].code, Probability: triggers[stage].probability }]));
}

const TRIGGER = object({ ErrorCode: required(integer), Probability: required(integer) });
/** `{Sender: {ErrorCode, Probability}, …}`: a stage left out or null is off (mailpit-api.md §2.6). */
const TRIGGERS_BODY = object(Object.fromEntries(CHAOS_STAGES.map((stage) => [STAGE_NAMES[stage], nullable(TRIGGER)])));
const PAUSE_BODY = object({ Mode: required(oneOf(PAUSE_MODES)) });

/**
 * Mailpit's GET/PUT /api/v1/chaos (Sender, Recipient, Authentication, plus Letterbox's
 * Connect and Data), and Letterbox's GET/PUT /api/v1/chaos/pause `{Mode: off|discard|refuse}`.
 * Without chaos enabled every route answers 400 "Chaos is not enabled", as Mailpit does.
 */
export const chaosRoutes: RouteModule = (app, api) => {
  const disabled = 'Chaos is not enabled';

  app.get('/api/v1/chaos', (c) => (api.chaos ? c.json(triggersDto(api.chaos)) : fail(c, 400, disabled)));

  app.put('/api/v1/chaos', async (c) => {
    const chaos = api.chaos;
    if (!chaos) return fail(c, 400, disabled);
    const body = await requestBody(c, TRIGGERS_BODY);
    if (!body.ok) return body.response;
    const triggers: Partial<Record<ChaosStage, ChaosTrigger>> = {};
    for (const stage of CHAOS_STAGES) {
      const trigger = body.value[STAGE_NAMES[stage]];
      if (trigger) triggers[stage] = { code: trigger.ErrorCode, probability: trigger.Probability };
    }
    try {
      chaos.setTriggers(triggers);
    } catch (error) {
      if (error instanceof ChaosError) return jsonFail(c, 400, error.message);
      throw error;
    }
    api.logger.info('chaos triggers set', { triggers: chaos.triggers() });
    return c.json(triggersDto(chaos));
  });

  app.get('/api/v1/chaos/pause', (c) => (api.chaos ? c.json({ Mode: api.chaos.pause }) : fail(c, 400, disabled)));

  app.put('/api/v1/chaos/pause', async (c) => {
    const chaos = api.chaos;
    if (!chaos) return fail(c, 400, disabled);
    const body = await requestBody(c, PAUSE_BODY);
    if (!body.ok) return body.response;
    const mode = body.value.Mode;
    chaos.setPause(mode);
    api.logger.info('chaos pause set', { mode });
    return c.json({ Mode: chaos.pause } satisfies ChaosPause);
  });
};
