/**
 * A one-line progress report for long imports and exports, redrawn in place at most
 * ten times a second — on a terminal only: piped into a file or a CI log, a command
 * stays quiet but for its closing summary.
 */
import type { Writable } from 'node:stream';

export interface Progress {
  /** Redraws the line if a tenth of a second has passed since the last time. */
  tick(): void;
  /** Clears the line, so the closing summary starts on a clean one. */
  done(): void;
}

const REDRAW_MS = 100;
const CLEAR_LINE = '\r\x1b[K';

/** `describe` gets the seconds since the start and says where things stand. */
export function progressLine(stream: Writable, describe: (seconds: number) => string, clock: () => number = Date.now): Progress {
  if ((stream as { isTTY?: boolean }).isTTY !== true) return { tick() {}, done() {} };
  const started = clock();
  let drawn = -Infinity;
  return {
    tick() {
      const now = clock();
      if (now - drawn < REDRAW_MS) return;
      drawn = now;
      stream.write(CLEAR_LINE + describe(Math.max((now - started) / 1000, 0.001)));
    },
    done() {
      if (drawn > -Infinity) stream.write(CLEAR_LINE);
    },
  };
}

/** 1,234 */
export const count = (n: number): string => n.toLocaleString('en-US');

/** 12.3 MB */
export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
