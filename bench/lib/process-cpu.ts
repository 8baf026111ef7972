import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time spent by processes, read from /proc (Linux): on a shared machine a rate
 * moves with the load, while the CPU a process spends per message barely does.
 */

const TICKS_PER_SECOND = 100;

/** User + system CPU of a process so far, in ms; 0 once it is gone. */
export function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** A PostgreSQL server's processes: its postmaster (first line of postmaster.pid) and its children. */
export function postgresPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => parentOf(pid) === postmaster);
  return [postmaster, ...children];
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** CPU spent by groups of processes between start and stop(), in ms per group. */
export function measureCpu(groups: Record<string, () => number[]>): { stop(): Record<string, number> } {
  const at = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuMs(pid)]));
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, at(pids())]));
  return {
    stop() {
      const spent: Record<string, number> = {};
      for (const [name, pids] of Object.entries(groups)) {
        const start = before[name] ?? new Map<number, number>();
        // Processes started meanwhile (a new pool connection) count from zero.
        spent[name] = pids().reduce((sum, pid) => sum + cpuMs(pid) - (start.get(pid) ?? 0), 0);
      }
      return spent;
    },
  };
}
