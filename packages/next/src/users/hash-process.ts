import { type ChildProcess, spawn } from "node:child_process";
import type { ScryptOptions } from "node:crypto";
import { availableParallelism } from "node:os";

/**
 * Password hashes run in a child process of their own, at the lowest CPU priority Linux offers.
 *
 * Each scrypt is ~100 ms and 32 MiB of CPU-bound work. Inside the server (libuv's pool, or a worker thread
 * niced within the process) a burst of sign-ins took CPU from everything that serves session reads on a
 * small machine: the event loop, Redis, the proxy in front. Linux shares CPU between process groups
 * (autogroups, cgroups) before it weighs a thread's nice value, so the hasher is a process alone in its
 * autogroup, niced to 19 with that autogroup, and SCHED_IDLE (through util-linux's `chrt`, where there is
 * one): on the 2-CPU bench machine nice 19 alone still let sign-ins double the reads' p99 in some runs,
 * SCHED_IDLE as well did not (docs/benchmarks.md, "Sign-in burst"). Hashing uses what the rest leaves.
 * At most CPUs − 1 hashes run at once (32 MiB each); sign-ins beyond that wait their turn, up to a bound.
 */
export const maxConcurrentHashes = Math.max(1, availableParallelism() - 1);
/**
 * Hashes that may wait for a free slot; the next is refused at once (HashingBusyError, a 503 with
 * Retry-After) rather than queued: unbounded, 60 parallel sign-ins for unknown names held a real one up
 * from 157 ms to 7.2 s. A hash takes ~100 ms, so the last of 8 rounds waits ~0.8 s and is done within ~1 s.
 */
export const maxWaitingHashes = 8 * maxConcurrentHashes;
/** What a refused sign-in is told to wait: the queue it found full drains in about that long. */
const busyRetryAfterSeconds = 1;
/** 19: the lowest priority a process can give itself. */
const hashProcessNice = 19;
/** An idle hashing process exits after this long, so a quiet server (or a dev server's reloaded module) keeps none. */
const idleExitMs = 60_000;
// scrypt needs 128 * N * r bytes; leave headroom above Node's 32 MiB default.
const maxmem = 256 * 1024 * 1024;

/**
 * The child's code, inline so no bundler has to find a script file. It lowers its priority before its
 * thread pool starts (new threads inherit it): its autogroup's (`detached` gave it a session, so the
 * autogroup is its alone), its own, then its scheduling class. Each step is best effort: where one is
 * missing (not Linux, no chrt) the others still hold. It exits when the server goes away.
 */
const childSource = `
const { execFileSync } = require("node:child_process");
const { scrypt } = require("node:crypto");
const { existsSync, writeFileSync } = require("node:fs");
try { writeFileSync("/proc/self/autogroup", "${hashProcessNice}"); } catch {}
try { require("node:os").setPriority(${hashProcessNice}); } catch {}
const chrt = ["/usr/bin/chrt", "/bin/chrt"].find((path) => existsSync(path));
try { if (chrt) execFileSync(chrt, ["--idle", "--all-tasks", "--pid", "0", String(process.pid)], { stdio: "ignore" }); } catch {}
process.on("disconnect", () => process.exit(0));
const reply = (message) => process.connected && process.send(message);
process.on("message", ({ id, password, salt, keyLength, options }) => {
  try {
    scrypt(password, salt, keyLength, options, (error, key) => reply(error ? { id, error: error.message } : { id, key }));
  } catch (error) {
    reply({ id, error: error.message }); // invalid parameters throw at once
  }
});
`;

interface Job {
  /** Processes this hash was sent to: one that dies mid-hash (killed, out of memory) gets it re-run once. */
  attempts: number;
  password: string;
  salt: Uint8Array;
  keyLength: number;
  options: ScryptOptions;
  resolve: (key: Buffer) => void;
  reject: (error: Error) => void;
}

interface Reply {
  id: number;
  key?: Uint8Array;
  error?: string;
}

interface HashingState {
  queue: Job[];
  running: Map<number, Job>;
  nextId: number;
  child?: ChildProcess;
  idleTimer?: ReturnType<typeof setTimeout>;
}
// Next loads this module once per server bundle (route handlers; pages and their server actions): the
// state lives on globalThis, so a server process has one queue, one bound and one hashing process.
const globals = globalThis as { [key: symbol]: HashingState | undefined };
const stateKey = Symbol.for("ironlink.password-hashing");
globals[stateKey] ??= { queue: [], running: new Map(), nextId: 0 };
const state = globals[stateKey];
const { queue, running } = state;

/** The hashing queue is full: this hash was refused before any work, so a burst cannot stall the sign-ins behind it. */
export class HashingBusyError extends Error {
  readonly retryAfterSeconds = busyRetryAfterSeconds;

  constructor() {
    super(`ironlink: ${maxWaitingHashes} password hashes are already waiting; try again in ${busyRetryAfterSeconds} s.`);
    this.name = "HashingBusyError";
  }
}

/** scrypt in the low-priority hashing process; same result as `crypto.scrypt`. Rejects with HashingBusyError at once when the queue is full. */
export function scryptInBackground(password: string, salt: Uint8Array, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  // Only new hashes meet the bound: those re-run after a crash (fail, below) were admitted and go back in front.
  if (queue.length >= maxWaitingHashes) return Promise.reject(new HashingBusyError());
  return new Promise<Buffer>((resolve, reject) => {
    queue.push({ attempts: 0, password, salt, keyLength, options: { ...options, maxmem }, resolve, reject });
    dispatch();
  });
}

function dispatch(): void {
  while (queue.length > 0 && running.size < maxConcurrentHashes) {
    const job = queue.shift() as Job;
    const id = state.nextId++;
    running.set(id, job);
    job.attempts++;
    try {
      const hasher = hashingProcess();
      hasher.send({ id, password: job.password, salt: job.salt, keyLength: job.keyLength, options: job.options });
    } catch (error) {
      running.delete(id);
      job.reject(new Error(`could not start the password hashing process: ${error instanceof Error ? error.message : error}`));
    }
  }
  keepAlive(running.size > 0);
}

function hashingProcess(): ChildProcess {
  if (state.child?.connected) return state.child;
  const started = spawn(process.execPath, ["-e", childSource], {
    // Its own session (so its own autogroup) and no inherited secrets or NODE_OPTIONS hooks.
    detached: true,
    env: { NODE_ENV: process.env.NODE_ENV, UV_THREADPOOL_SIZE: String(maxConcurrentHashes) },
    serialization: "advanced",
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    windowsHide: true,
  });
  started.on("message", (reply: Reply) => {
    const job = running.get(reply.id);
    if (!job) return;
    running.delete(reply.id);
    if (reply.key) job.resolve(Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));
    else job.reject(new Error(`scrypt failed: ${reply.error}`));
    dispatch();
  });
  // A process that dies (out of memory, killed): its hashes go to a new one, once; a second death fails them.
  const fail = (error: Error) => {
    if (state.child !== started) return;
    state.child = undefined;
    const retry: Job[] = [];
    for (const job of running.values()) job.attempts < 2 ? retry.push(job) : job.reject(error);
    running.clear();
    queue.unshift(...retry);
    dispatch();
  };
  started.on("error", (error) => fail(new Error(`the password hashing process failed: ${error.message}`)));
  started.on("exit", (code, signal) => fail(new Error(`the password hashing process exited (${signal ?? code})`)));
  state.child = started;
  return started;
}

/** Hashes in flight keep the server process alive (a seeding script, a test); an idle child does not. */
function keepAlive(busy: boolean): void {
  clearTimeout(state.idleTimer);
  if (!state.child) return;
  if (busy) {
    state.child.ref();
    state.child.channel?.ref();
    return;
  }
  state.child.unref();
  state.child.channel?.unref();
  const idle = state.child;
  state.idleTimer = setTimeout(() => idle.connected && idle.disconnect(), idleExitMs);
  state.idleTimer.unref();
}
