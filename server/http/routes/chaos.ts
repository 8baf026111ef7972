import { Chaos, CHAOS_STAGES, ChaosError, PAUSE_MODES, STAGE_NAMES, type ChaosStage, type ChaosTrigger, type PauseMode } from '../../chaos/chaos.js';
import type { RouteModule } from '../api.js';
import { isRecord, readJsonBody } from '../read-body.js';
import { fail } from '../respond.js';

type TriggersDto = Record<string, { ErrorCode: number; Probability: number }>;

function triggersDto(chaos: Chaos): TriggersDto {
  const triggers = chaos.triggers();
  return Object.fromEntries(CHAOS_STAGES.map((stage) => [STAGE_NAMES[stage], { ErrorCode: triggers[stage].code, Probability: triggers[stage].probability }]));
}

/** `{Sender: {ErrorCode, Probability}, …}` into triggers; a stage left out or null is off. */
function parseTriggers(body: unknown): Partial<Record<ChaosStage, ChaosTrigger>> | string {
  if (body === undefined) return {};
  if (!isRecord(body)) return 'expected a JSON object of triggers';
  const known = new Map(CHAOS_STAGES.map((stage) => [STAGE_NAMES[stage], stage]));
  const triggers: Partial<Record<ChaosStage, ChaosTrigger>> = {};
  for (const [name, value] of Object.entries(body)) {
    const stage = known.get(name);
    if (!stage) return `unknown trigger "${name}" (known: ${[...known.keys()].join(', ')})`;
    if (value === null) continue;
    if (!isRecord(value) || typeof value.ErrorCode !== 'number' || typeof value.Probability !== 'number') {
      return `${name} must be {"ErrorCode": number, "Probability": number}`;
    }
    triggers[stage] = { code: value.ErrorCode, probability: value.Probability };
  }
  return triggers;
}

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
    const body = await readJsonBody(c);
    if (!body.ok) return fail(c, body.status, body.message);
    const triggers = parseTriggers(body.value);
    if (typeof triggers === 'string') return fail(c, 400, triggers);
    try {
      chaos.setTriggers(triggers);
    } catch (error) {
      if (error instanceof ChaosError) return fail(c, 400, error.message);
      throw error;
    }
    api.logger.info('chaos triggers set', { triggers: chaos.triggers() });
    return c.json(triggersDto(chaos));
  });

  app.get('/api/v1/chaos/pause', (c) => (api.chaos ? c.json({ Mode: api.chaos.pause }) : fail(c, 400, disabled)));

  app.put('/api/v1/chaos/pause', async (c) => {
    const chaos = api.chaos;
    if (!chaos) return fail(c, 400, disabled);
    const body = await readJsonBody(c);
    if (!body.ok) return fail(c, body.status, body.message);
    const mode = isRecord(body.value) ? body.value.Mode : undefined;
    if (typeof mode !== 'string' || !(PAUSE_MODES as readonly string[]).includes(mode)) {
      return fail(c, 400, `expected {"Mode": ${PAUSE_MODES.map((m) => `"${m}"`).join(' | ')}}`);
    }
    chaos.setPause(mode as PauseMode);
    api.logger.info('chaos pause set', { mode });
    return c.json({ Mode: chaos.pause });
  });
};
