/** Small measuring helpers shared by the bench scripts. */

export interface LoopResult {
  name: string;
  iterations: number;
  /** Microseconds per operation. */
  mean: number;
  p50: number;
  p99: number;
  opsPerSecond: number;
}

/**
 * Runs `op` back to back (awaited, one at a time) for about `budgetMs` after `warmup` untimed calls, and
 * reports per-operation times. `prepare` runs before each timed call, outside the timing.
 */
export async function timeLoop<S>(
  name: string,
  budgetMs: number,
  op: (state: S) => unknown,
  prepare: () => S | Promise<S> = () => undefined as S,
  warmup = 50,
): Promise<LoopResult> {
  for (let i = 0; i < warmup; i++) await op(await prepare());
  const samples: number[] = [];
  const deadline = performance.now() + budgetMs;
  while (performance.now() < deadline) {
    const state = await prepare();
    const start = process.hrtime.bigint();
    await op(state);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((sum, s) => sum + s, 0) / samples.length;
  return {
    name,
    iterations: samples.length,
    mean,
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    opsPerSecond: 1e6 / mean,
  };
}

/** The q-quantile of sorted numbers (nearest rank). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `cpuSeconds` (a process's CPU time so far) grows by less than `maxShare` of a CPU over
 * `intervalMs`, or 10 s have passed: work left over from one part must not run into the next measurement.
 */
export async function untilIdle(cpuSeconds: () => number | Promise<number>, maxShare: number, intervalMs: number): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += intervalMs) {
    const before = await cpuSeconds();
    await sleep(intervalMs);
    if ((await cpuSeconds()) - before < (maxShare * intervalMs) / 1000) return;
  }
}

/** The list started `by` places later (A B C, B C A, C A B, …): turns whose order rotates every round. */
export function rotate<T>(list: T[], by: number): T[] {
  const k = by % Math.max(1, list.length);
  return [...list.slice(k), ...list.slice(0, k)];
}

/** Smallest and largest, as "min–max". */
export function spread(values: number[], format: (value: number) => string): string {
  return values.length ? `${format(Math.min(...values))}–${format(Math.max(...values))}` : "-";
}
