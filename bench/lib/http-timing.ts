import { quantile } from './stats.js';

export interface Timing {
  p50: number;
  p95: number;
}

/** p50/p95 in ms of `requests` GETs of `url(i)`, after ten unmeasured ones. */
export async function timeGets(url: (i: number) => string, requests: number): Promise<Timing> {
  const get = async (i: number) => {
    const response = await fetch(url(i));
    if (!response.ok) throw new Error(`GET ${url(i)}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  for (let i = 0; i < 10; i++) await get(i);
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    await get(i);
    samples.push(performance.now() - started);
  }
  return { p50: quantile(samples, 0.5), p95: quantile(samples, 0.95) };
}
