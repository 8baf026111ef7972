import { defaultConfig, type Config } from '../../server/config.js';
import { createLogger, type Logger } from '../../server/lib/log.js';
import { createSandbox, type Sandbox } from '../../server/sandbox.js';

export interface LogRecord {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A debug-level logger that keeps every record, and lets a test await one. */
export class CaptureLog {
  readonly records: LogRecord[] = [];
  readonly #waiters: Array<{ match: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }> = [];
  readonly logger: Logger = createLogger({
    level: 'debug',
    format: 'json',
    write: (line) => {
      const record = JSON.parse(line) as LogRecord;
      this.records.push(record);
      for (const waiter of [...this.#waiters]) {
        if (!waiter.match(record)) continue;
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(record);
      }
    },
  });

  /** The first record (already logged or still to come) whose message is `msg`. */
  next(msg: string, after = 0): Promise<LogRecord> {
    const match = (r: LogRecord) => r.msg === msg;
    const seen = this.records.slice(after).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }
}

/** A sandbox with every default listener on 127.0.0.1:0 that logs into a CaptureLog. */
export async function startLoggedSandbox(overrides: Partial<Config> = {}): Promise<{ box: Sandbox; log: CaptureLog; port: (name: string) => number }> {
  const log = new CaptureLog();
  const config: Record<string, unknown> = { ...defaultConfig() };
  for (const [key, value] of Object.entries(config)) {
    if (value && typeof value === 'object' && 'port' in value && 'host' in value) config[key] = { host: '127.0.0.1', port: 0 };
  }
  const box = await createSandbox({ ...(config as Config), ...overrides }, { logger: log.logger });
  await box.start();
  const port = (name: string) => {
    const found = box.listeners.find((l) => l.name === name);
    if (!found) throw new Error(`no ${name} listener`);
    return found.port;
  };
  return { box, log, port };
}
