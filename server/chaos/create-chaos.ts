import type { ChaosConfig } from './options.js';
import { Chaos } from './chaos.js';

/** The instance's chaos, when enabled by --enable-chaos, --chaos-triggers or --chaos-pause; else undefined. */
export function createChaos(config: ChaosConfig): Chaos | undefined {
  if (!config.enableChaos && !config.chaosTriggers && config.chaosPause === 'off') return undefined;
  return new Chaos({ triggers: config.chaosTriggers ?? {}, pause: config.chaosPause });
}
