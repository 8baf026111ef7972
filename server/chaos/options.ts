import { flag, oneOf, OptionError, type OptionSpec } from '../lib/options.js';
import { ChaosError, parseTriggers, PAUSE_MODES, type ChaosStage, type ChaosTrigger } from './chaos.js';

function triggers(description: string): OptionSpec<Partial<Record<ChaosStage, ChaosTrigger>> | null> {
  return {
    description,
    default: null,
    shown: 'none',
    metavar: 'STAGE:CODE:PERCENT,…',
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
