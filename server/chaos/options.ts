import { flag, oneOf, OptionError, type OptionSpec, type OptionValues } from '../lib/options.js';
import { ChaosError, parseTriggers, PAUSE_MODES, STAGE_NAMES, type ChaosStage, type ChaosTrigger } from './chaos.js';

/** Triggers given in code, `{ mail: { code: 451, probability: 50 } }`, as option text. */
function triggersText(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const items = Object.entries(value).map(([stage, trigger]: [string, unknown]) => {
    const { code, probability } = (typeof trigger === 'object' && trigger !== null ? trigger : {}) as { code?: unknown; probability?: unknown };
    // An unknown stage keeps its own name, which parsing then refuses by name.
    return `${Object.hasOwn(STAGE_NAMES, stage) ? STAGE_NAMES[stage as ChaosStage] : stage}:${String(code)}:${String(probability)}`;
  });
  return items.join(',');
}

function triggers(description: string): OptionSpec<Partial<Record<ChaosStage, ChaosTrigger>> | null> {
  return {
    description,
    default: null,
    shown: 'none',
    metavar: 'STAGE:CODE:PERCENT,…',
    format: triggersText,
    parse: (text, name) => {
      try {
        return parseTriggers(text);
      } catch (error) {
        throw new OptionError(`${name}: ${(error as ChaosError).message}`);
      }
    },
  };
}

/** SMTP fault injection, named as Mailpit's flags where Mailpit has them. */
export const chaosOptions = {
  enableChaos: flag('Allow SMTP faults to be set at runtime through /api/v1/chaos'),
  chaosTriggers: triggers('SMTP faults from the start (enables chaos): Stage:code:percent,… with stages Connect, Sender, Recipient, Data, Authentication, e.g. Sender:451:50'),
  chaosPause: oneOf('Start paused (enables chaos): discard accepts and drops mail, refuse answers 421', 'off', PAUSE_MODES),
};

export type ChaosConfig = OptionValues<typeof chaosOptions>;
