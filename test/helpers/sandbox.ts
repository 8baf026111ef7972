import { defaultConfig, type Config } from '../../server/config.js';
import type { BoundListener } from '../../server/front.js';
import { silentLogger } from '../../server/lib/log.js';
import { createSandbox, type Sandbox } from '../../server/sandbox.js';

export interface TestSandbox extends Sandbox {
  /** The bound port of a listener by name (`smtp`, `http`, `pop3`, `imap`, …). */
  port(name: string): number;
  listener(name: string): BoundListener;
}

const EPHEMERAL = { host: '127.0.0.1', port: 0 };

/**
 * A whole sandbox with every listener on 127.0.0.1, port 0, logging nothing.
 * Listeners that are off by default (smtps, pop3s, …) stay off unless given.
 */
export async function startTestSandbox(overrides: Partial<Config> = {}): Promise<TestSandbox> {
  const config: Config = { ...defaultConfig(), ...portZeroListeners(), ...overrides };
  const sandbox = await createSandbox(config, { logger: silentLogger });
  await sandbox.start();
  const listener = (name: string) => {
    const found = sandbox.listeners.find((l) => l.name === name);
    if (!found) throw new Error(`no ${name} listener (have ${sandbox.listeners.map((l) => l.name).join(', ')})`);
    return found;
  };
  return Object.assign(sandbox, { listener, port: (name: string) => listener(name).port });
}

/** Every listener option that is on by default, moved to an ephemeral loopback port. */
function portZeroListeners(): Partial<Config> {
  const defaults = defaultConfig() as unknown as Record<string, unknown>;
  const moved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(defaults)) {
    if (value && typeof value === 'object' && 'port' in value && 'host' in value) moved[key] = EPHEMERAL;
  }
  return moved as Partial<Config>;
}
