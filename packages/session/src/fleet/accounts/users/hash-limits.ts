import { availableParallelism } from "node:os";

/** Hashes at once in the background lane: every CPU but one, at least one (hash-process.ts). */
export const maxConcurrentHashes = Math.max(1, availableParallelism() - 1);
/** Hashes at once in the fair lane: a quarter of the CPUs, at least one. */
export const maxFairHashes = Math.max(1, Math.floor(availableParallelism() / 4));
/**
 * Hashes that may wait for a free slot; the next is refused at once
 * (HashingBusyError, a 503 with Retry-After) rather than queued: unbounded, 60 parallel sign-ins for unknown
 * names held a real one up from 157 ms to 7.2 s. A hash takes ~100 ms, so the last of 8 rounds waits ~0.8 s.
 */
export const maxWaitingHashes = 8 * maxConcurrentHashes;
/**
 * Hashes one account may hold, running and waiting: a quarter of the waiting room, at least two. Beyond
 * it that account's next hash is refused at once (fair-queue.ts: a few accounts keeping sign-ins in
 * flight filled the room and everyone else got 503).
 */
export const maxHashesPerAccount = Math.max(2, Math.floor(maxWaitingHashes / 4));
