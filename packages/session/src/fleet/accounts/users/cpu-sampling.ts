import { readdirSync, readFileSync } from "node:fs";

/** How often the background process's CPU time is sampled while it hashes. */
export const probeMs = 25;
/** Under this share of a CPU per running hash, between two samples (the fair lane idle), the background lane got too little. */
const starvingShare = 0.1;
/** Samples in a row that must find too little before it is starving: a busy moment is not a busy machine. */
const starvingSamples = 2;

/** The background process's CPU time at the last sample, and what else was true then. */
export interface Probe {
  timer?: ReturnType<typeof setInterval>;
  pid?: number;
  cpuNs?: number;
  /** performance.now() of that sample: a busy event loop runs the timer late. */
  at?: number;
  fairWasIdle?: boolean;
  /** Samples in a row that found too little. */
  short?: number;
}

/** What the lanes look like at a sample: the background process, the hashes it runs, whether the fair lane is idle. */
export interface LanesNow {
  pid: number | undefined;
  hashing: number;
  fairIsIdle: boolean;
}

/** CPU time a process's threads have had, in ns, from /proc/<pid>/task/<tid>/schedstat; undefined where there is none. */
export function cpuTimeNs(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== "linux") return undefined;
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    return Number.isFinite(total) ? total : undefined;
  } catch {
    return undefined; // the process ended, or no schedstat in this kernel
  }
}

/** The first sample of a probe: where the next one's window starts. */
export function firstSample(probe: Probe, lanes: LanesNow): void {
  Object.assign(probe, { pid: lanes.pid, cpuNs: cpuTimeNs(lanes.pid), at: performance.now(), fairWasIdle: lanes.fairIsIdle });
}

/** Takes a sample into `probe`: whether `starvingSamples` windows in a row found the background lane too little CPU. */
export function sampleIsStarving(probe: Probe, lanes: LanesNow): boolean {
  const { pid, hashing, fairIsIdle } = lanes;
  const cpuNs = cpuTimeNs(pid);
  const at = performance.now();
  // Evidence only from a window the fair lane sat out, in one and the same process (a new one starts over).
  const evidence = probe.fairWasIdle && fairIsIdle && pid === probe.pid && cpuNs !== undefined && probe.cpuNs !== undefined;
  const tooLittle = evidence && cpuNs - (probe.cpuNs as number) < starvingShare * hashing * (at - (probe.at as number)) * 1e6;
  // A window the fair lane hashed in leaves the count as it was: it proves nothing either way.
  const short = tooLittle ? (probe.short ?? 0) + 1 : evidence ? 0 : (probe.short ?? 0);
  Object.assign(probe, { pid, cpuNs, at, fairWasIdle: fairIsIdle, short });
  return short >= starvingSamples;
}
