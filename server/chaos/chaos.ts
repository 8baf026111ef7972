/**
 * Chaos: SMTP faults on purpose, so an app's retry and error paths can be tested (as
 * Mailpit's Chaos and MailHog's Jim). Each stage has a reply code and a probability;
 * a pause makes every session either refuse with 421 or have its mail accepted and
 * thrown away, until resumed. The SMTP front asks `verdict(stage)` at each stage.
 */

export const CHAOS_STAGES = ['connect', 'mail', 'rcpt', 'data', 'auth'] as const;
export type ChaosStage = (typeof CHAOS_STAGES)[number];

export interface ChaosTrigger {
  /** The reply code, 400–599. */
  code: number;
  /** Percent of attempts that get it, 0–100. */
  probability: number;
}

export const PAUSE_MODES = ['off', 'discard', 'refuse'] as const;
export type PauseMode = (typeof PAUSE_MODES)[number];

/** What a stage should do instead of its normal work. */
export type ChaosVerdict = { kind: 'reply'; code: number; message: string } | { kind: 'discard' };

/** Mailpit's names for the stages it has; Connect and Data are Letterbox's own. */
export const STAGE_NAMES: Record<ChaosStage, string> = {
  connect: 'Connect',
  mail: 'Sender',
  rcpt: 'Recipient',
  data: 'Data',
  auth: 'Authentication',
};

export class ChaosError extends Error {}

const OFF: ChaosTrigger = { code: 451, probability: 0 };

export class Chaos {
  #triggers = new Map<ChaosStage, ChaosTrigger>();
  #pause: PauseMode = 'off';
  readonly #random: () => number;
  /** How many times each stage was made to fail, and messages discarded while paused. */
  readonly counts = { triggered: 0, discarded: 0, refused: 0 };

  constructor(options: { triggers?: Partial<Record<ChaosStage, ChaosTrigger>>; pause?: PauseMode; random?: () => number } = {}) {
    this.#random = options.random ?? Math.random;
    this.setTriggers(options.triggers ?? {});
    this.#pause = options.pause ?? 'off';
  }

  triggers(): Record<ChaosStage, ChaosTrigger> {
    return Object.fromEntries(CHAOS_STAGES.map((stage) => [stage, { ...(this.#triggers.get(stage) ?? OFF) }])) as Record<ChaosStage, ChaosTrigger>;
  }

  /** Replaces every trigger; stages left out are turned off (Mailpit's PUT semantics). */
  setTriggers(triggers: Partial<Record<ChaosStage, ChaosTrigger>>): void {
    const next = new Map<ChaosStage, ChaosTrigger>();
    for (const stage of CHAOS_STAGES) {
      const trigger = triggers[stage];
      if (!trigger) continue;
      checkTrigger(stage, trigger);
      next.set(stage, { ...trigger });
    }
    this.#triggers = next;
  }

  get pause(): PauseMode {
    return this.#pause;
  }

  setPause(mode: PauseMode): void {
    this.#pause = mode;
  }

  /** What this stage should do now, or undefined to carry on normally. */
  verdict(stage: ChaosStage): ChaosVerdict | undefined {
    if (this.#pause === 'refuse') {
      this.counts.refused++;
      return { kind: 'reply', code: 421, message: 'Service paused, try again later' };
    }
    if (this.#pause === 'discard' && stage === 'data') {
      this.counts.discarded++;
      return { kind: 'discard' };
    }
    const trigger = this.#triggers.get(stage);
    if (!trigger || trigger.probability <= 0) return undefined;
    // probability 100 always fires; random() is in [0, 1).
    if (this.#random() * 100 >= trigger.probability) return undefined;
    this.counts.triggered++;
    return { kind: 'reply', code: trigger.code, message: `Chaos ${STAGE_NAMES[stage].toLowerCase()} error` };
  }
}

function checkTrigger(stage: ChaosStage, trigger: ChaosTrigger): void {
  if (!Number.isInteger(trigger.code) || trigger.code < 400 || trigger.code > 599) {
    throw new ChaosError(`${STAGE_NAMES[stage]}: ErrorCode must be a whole number from 400 to 599, got ${trigger.code}`);
  }
  if (!Number.isInteger(trigger.probability) || trigger.probability < 0 || trigger.probability > 100) {
    throw new ChaosError(`${STAGE_NAMES[stage]}: Probability must be a whole number from 0 to 100, got ${trigger.probability}`);
  }
}

/**
 * Parses `--chaos-triggers`: comma-separated `Stage:code:probability`, stages named as
 * in the API (Connect, Sender, Recipient, Data, Authentication; case-insensitive; MAIL,
 * RCPT and AUTH also accepted), e.g. `Sender:451:50,Data:552:100`.
 */
export function parseTriggers(text: string): Partial<Record<ChaosStage, ChaosTrigger>> {
  const triggers: Partial<Record<ChaosStage, ChaosTrigger>> = {};
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^([a-z]+):(\d{3}):(\d{1,3})$/i.exec(item);
    const stage = match ? stageNamed(match[1] ?? '') : undefined;
    if (!match || !stage) throw new ChaosError(`"${item}" is not Stage:code:probability with a stage of ${Object.values(STAGE_NAMES).join(', ')}`);
    const trigger = { code: Number(match[2]), probability: Number(match[3]) };
    checkTrigger(stage, trigger);
    triggers[stage] = trigger;
  }
  return triggers;
}

export function stageNamed(name: string): ChaosStage | undefined {
  const lower = name.toLowerCase();
  for (const stage of CHAOS_STAGES) if (stage === lower || STAGE_NAMES[stage].toLowerCase() === lower) return stage;
  return undefined;
}
