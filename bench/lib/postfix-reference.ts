/**
 * Letterbox against Postfix's smtp-sink, both driven by Postfix's smtp-source in the
 * same run: the reference issue #14 sets the ingest figures against.
 */
import { median } from './stats.js';
import { postfixToolsMissing, smtpSource, startSmtpSink, type SourceRun } from './postfix-tools.js';

export interface MeasuredServer {
  port: number;
  /** CPU time the server process has used, user + system, in µs. */
  cpu(): Promise<number> | number;
}

interface Options {
  seconds: number;
  rounds: number;
  warmUpSeconds: number;
  /** Only the cells whose "postfix|message|mode|sessions" key matches, when set. */
  only: RegExp | undefined;
}

interface Cell {
  name: string;
  run: Omit<SourceRun, 'messages'>;
}

const SESSIONS = 8;
const CELLS: Cell[] = [
  { name: '2 KB|kept-open', run: { sessions: SESSIONS, size: 2048, keptOpen: true } },
  { name: '2 KB|per-message', run: { sessions: SESSIONS, size: 2048, keptOpen: false } },
  { name: '100 KB|kept-open', run: { sessions: SESSIONS, size: 100 * 1024, keptOpen: true } },
];
/** Fewest messages in a run, so a slow spell at the start does not set the count too low. */
const FEWEST = 8 * SESSIONS;

interface Measured {
  rate: number;
  cpuPerMessage: number;
}

/**
 * Each cell runs on smtp-sink and on Letterbox one right after the other (in turn
 * first), round after round, each run unmeasured first; a run's message count is what
 * the server's previous run of that cell managed in `seconds`. Prints each server's
 * median msgs/s and CPU per message, and the median with the spread of the per-round
 * ratios. Returns false when the tools are missing (and says so).
 */
export async function runPostfixReference(letterbox: MeasuredServer, options: Options): Promise<boolean> {
  const missing = postfixToolsMissing();
  if (missing) {
    console.log(`\nPostfix reference left out: ${missing}`);
    return false;
  }
  const cells = CELLS.filter((cell) => !options.only || options.only.test(`postfix|${cell.name}|${cell.run.sessions}`));
  if (cells.length === 0) return true;
  const sink = await startSmtpSink();
  const servers = { 'smtp-sink': { port: sink.port, cpu: () => sink.cpu() }, letterbox } as const;
  /** Per server and cell: the last rate seen, which sizes the next run. */
  const pace = new Map<string, number>();
  const rounds = new Map<string, Measured[]>();
  const once = async (kind: keyof typeof servers, cell: Cell, seconds: number): Promise<Measured> => {
    const server = servers[kind];
    const key = `${kind}|${cell.name}`;
    const messages = Math.max(FEWEST, Math.round((pace.get(key) ?? 500) * seconds));
    const cpuBefore = await server.cpu();
    const elapsed = await smtpSource(server.port, { ...cell.run, messages });
    const measured = { rate: messages / elapsed, cpuPerMessage: ((await server.cpu()) - cpuBefore) / messages };
    pace.set(key, measured.rate);
    return measured;
  };
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const cell of cells) {
        const order = round % 2 === 0 ? (['smtp-sink', 'letterbox'] as const) : (['letterbox', 'smtp-sink'] as const);
        for (const kind of order) {
          await once(kind, cell, options.warmUpSeconds);
          const measured = await once(kind, cell, options.seconds);
          const key = `${kind}|${cell.name}`;
          rounds.set(key, [...(rounds.get(key) ?? []), measured]);
          if (options.only) console.log(`round ${round + 1} postfix ${key}: ${measured.rate.toFixed(0)} msgs/s, ${measured.cpuPerMessage.toFixed(0)} µs server CPU per message`);
        }
      }
    }
  } finally {
    await sink.stop();
  }

  console.log(`\nAgainst Postfix's smtp-sink, both driven by Postfix's smtp-source (${SESSIONS} sessions, no pipelining), ${options.seconds} s per cell, ${options.rounds} rounds`);
  console.log('msgs/s and µs/msg (server CPU per message) are medians; rate ratio = Letterbox / smtp-sink per round: median [lowest–highest];');
  console.log('CPU ratio = smtp-sink µs/msg / Letterbox µs/msg (medians), which depends less on what else the machine runs');
  console.log('message  mode         sess | letterbox msgs/s  µs/msg | smtp-sink msgs/s  µs/msg | rate ratio              CPU ratio');
  for (const cell of cells) {
    const ours = rounds.get(`letterbox|${cell.name}`) ?? [];
    const theirs = rounds.get(`smtp-sink|${cell.name}`) ?? [];
    const ratios = ours.map((m, i) => m.rate / (theirs[i]?.rate ?? NaN));
    const [message = '', mode = ''] = cell.name.split('|');
    const cpu = (measured: Measured[]) => median(measured.map((m) => m.cpuPerMessage));
    const figures = (measured: Measured[]) => `${median(measured.map((m) => m.rate)).toFixed(0).padStart(16)} ${cpu(measured).toFixed(0).padStart(7)}`;
    const spread = `${median(ratios).toFixed(2)} [${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}]`;
    console.log(
      `${message.padEnd(8)} ${mode.padEnd(12)} ${String(cell.run.sessions).padStart(4)} | ${figures(ours)} | ${figures(theirs)} | ${spread.padEnd(23)} ${(cpu(theirs) / cpu(ours)).toFixed(2)}`,
    );
  }
  return true;
}
