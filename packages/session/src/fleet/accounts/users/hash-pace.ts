import type { ScryptOptions } from "node:crypto";

/** A background hash that has run this many times the quickest recent hash (per unit of work) is starving. */
const patienceFactor = 1.5;
/** The patience before any hash was timed: a first hash includes starting its process. */
const firstPatienceMs = 300;
/** How many recent hash times the quickest is taken from: enough to hold one made on a quiet machine. */
const recentHashes = 16;

/** scrypt's work: N × r × p blocks (Node takes either spelling of each). */
function workOf(options: ScryptOptions): number {
  return (options.N ?? options.cost ?? 16_384) * (options.r ?? options.blockSize ?? 8) * (options.p ?? options.parallelization ?? 1);
}

/**
 * Patience for a background hash: 1.5x what the quickest recent hash took for that much work (a quiet
 * machine's pace). `recentMsPerWork`: recent hashes' times from start to answer, in ms per unit of work.
 */
export function patienceMs(recentMsPerWork: readonly number[], options: ScryptOptions): number {
  return recentMsPerWork.length === 0 ? firstPatienceMs : patienceFactor * Math.min(...recentMsPerWork) * workOf(options);
}

/** Records how long an answered hash took, keeping the newest `recentHashes`, the newest last. */
export function recordHashTime(recentMsPerWork: number[], elapsedMs: number, options: ScryptOptions): void {
  recentMsPerWork.push(elapsedMs / workOf(options));
  if (recentMsPerWork.length > recentHashes) recentMsPerWork.shift();
}
