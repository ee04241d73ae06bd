/**
 * Password hashes run in child processes of their own, in two lanes, never in the server.
 *
 * Each scrypt is ~100 ms and 32 MiB of CPU-bound work. Inside the server (libuv's pool, or a worker thread
 * niced within the process) a burst of sign-ins took CPU from everything that serves session reads on a
 * small machine. Linux shares CPU between process groups (autogroups, cgroups) before it weighs a thread's
 * nice value, so each lane is a process alone in its autogroup (`detached`: a session of its own).
 *
 * - The **background** lane is the lowest priority Linux offers: its autogroup niced to 19, itself niced to
 *   19, and SCHED_IDLE (util-linux's `chrt`, where there is one). It uses only the CPU nothing else wants,
 *   so a burst of sign-ins leaves the reads' latency alone (docs/benchmarks.md, "Sign-in burst").
 * - The **fair** lane is an ordinary process, at most `maxFairHashes` hashes at once: a bounded share.
 *
 * Every hash waits for the background lane. Alone, it would starve while reads keep every CPU busy: a
 * sign-in took 7x its quiet time. So while it hashes, its process's CPU time is sampled (Linux's
 * per-thread schedstat) every `probeMs`. `starvingSamples` samples in a row in which it got under
 * `starvingShare` of a CPU per hash, while the fair lane was idle, mean the machine has no CPU to spare:
 * the fair lane, when it has a free slot, runs the hash starving in the background process as well (the
 * first answer wins), or, with that one taken over already, the next waiting hash (fair-queue.ts picks
 * it); while one sits in the background process, new hashes go straight to the fair lane. Samples taken while the fair lane hashed prove nothing
 * (it is what took the CPU), so a burst with CPU to spare stays in the background lane. Where the process
 * cannot be sampled, a hash that has run `patience` without finishing is the sign instead. Sign-in never waits for reads to stop, and
 * reads never lose more than `maxFairHashes` CPUs to it.
 *
 * The parts: this file, what the rest of the kit calls; hash-limits.ts, the bounds; hash-lanes.ts, the
 * scheduler; cpu-sampling.ts, the /proc sampling; hash-pace.ts, the patience; hashing-child.ts, the child
 * process's source; fair-queue.ts, the waiting room.
 */
import type { ScryptOptions } from "node:crypto";
import type { HashFairness } from "./fair-queue";
import { maxHashesPerAccount, maxWaitingHashes } from "./hash-limits";
import { admitHash, type Job, refuseWaitingHash, runHash } from "./hash-lanes";

export { maxConcurrentHashes, maxFairHashes, maxHashesPerAccount, maxWaitingHashes } from "./hash-limits";

/** What a refused sign-in is told to wait: the queue it found full drains in about that long. */
const busyRetryAfterSeconds = 1;
// scrypt needs 128 * N * r bytes; leave headroom above Node's 32 MiB default.
const maxmem = 256 * 1024 * 1024;

const busyReasons = {
  full: `${maxWaitingHashes} password hashes are already waiting`,
  account: `this account already has ${maxHashesPerAccount} password hashes under way`,
  displaced: "a client with fewer hashes waiting needed this one's place",
};

/**
 * The hashing queue is full, or this account has its share of it, or this hash waited in the place of one
 * of a client with fewer: refused before any work, so a burst cannot stall the sign-ins behind it.
 */
export class HashingBusyError extends Error {
  readonly retryAfterSeconds = busyRetryAfterSeconds;

  constructor(reason: keyof typeof busyReasons = "full") {
    super(`ironlink: ${busyReasons[reason]}; try again in ${busyRetryAfterSeconds} s.`);
    this.name = "HashingBusyError";
  }
}

/**
 * scrypt in a hashing process; same result as `crypto.scrypt`. Rejects with HashingBusyError at once when
 * the queue is full or the account has its share (`fairness`: whom the hash is for; fair-queue.ts).
 */
export function scryptInBackground(password: string, salt: Uint8Array, keyLength: number, options: ScryptOptions, fairness: HashFairness = {}): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const job: Job = { fairness, password, salt, keyLength, options: { ...options, maxmem }, deaths: 0, holders: 0, escalated: false, settled: false, resolve, reject };
    const admission = admitHash(job);
    if (!admission.admitted) {
      reject(new HashingBusyError(admission.reason));
      return;
    }
    if (admission.displaced) refuseWaitingHash(admission.displaced, new HashingBusyError("displaced"));
    runHash(job);
  });
}
