import { type ChildProcess, spawn } from "node:child_process";
import type { ScryptOptions } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { FairQueue, type HashFairness } from "./fair-queue";

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
 */
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
/** How often the background process's CPU time is sampled while it hashes. */
const probeMs = 25;
/** Under this share of a CPU per running hash, between two samples (the fair lane idle), the background lane got too little. */
const starvingShare = 0.1;
/** Samples in a row that must find too little before it is starving: a busy moment is not a busy machine. */
const starvingSamples = 2;
/** A background hash that has run this many times the quickest recent hash (per unit of work) is starving. */
const patienceFactor = 1.5;
/** The patience before any hash was timed: a first hash includes starting its process. */
const firstPatienceMs = 300;
/** How many recent hash times the quickest is taken from: enough to hold one made on a quiet machine. */
const recentHashes = 16;
/** What a refused sign-in is told to wait: the queue it found full drains in about that long. */
const busyRetryAfterSeconds = 1;
/** 19: the lowest priority a process can give itself. */
const backgroundNice = 19;
/** An idle hashing process exits after this long, so a quiet server (or a dev server's reloaded module) keeps none. */
const idleExitMs = 60_000;
// scrypt needs 128 * N * r bytes; leave headroom above Node's 32 MiB default.
const maxmem = 256 * 1024 * 1024;

/**
 * A hashing process's code, inline so no bundler has to find a script file. The background one lowers its
 * priority before its thread pool starts (new threads inherit it): its autogroup's, its own, then its
 * scheduling class, each step best effort (not Linux, no chrt: the others still hold). It exits when the
 * server goes away.
 */
const lowerPriority = `
const { execFileSync } = require("node:child_process");
const { existsSync, writeFileSync } = require("node:fs");
try { writeFileSync("/proc/self/autogroup", "${backgroundNice}"); } catch {}
try { require("node:os").setPriority(${backgroundNice}); } catch {}
const chrt = ["/usr/bin/chrt", "/bin/chrt"].find((path) => existsSync(path));
try { if (chrt) execFileSync(chrt, ["--idle", "--all-tasks", "--pid", "0", String(process.pid)], { stdio: "ignore" }); } catch {}
`;
const hashingLoop = `
const { scrypt } = require("node:crypto");
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

type LaneName = "background" | "fair";
const lanes: Record<LaneName, { source: string; concurrency: number }> = {
  background: { source: lowerPriority + hashingLoop, concurrency: maxConcurrentHashes },
  fair: { source: hashingLoop, concurrency: maxFairHashes },
};

interface Job {
  /** Whom it is for: the waiting room serves them in turn (fair-queue.ts). */
  fairness: HashFairness;
  password: string;
  salt: Uint8Array;
  keyLength: number;
  options: ScryptOptions;
  /** Processes that died holding it last (killed, out of memory): it is re-run after the first, failed after the second. */
  deaths: number;
  /** Lanes that hold the job (waiting or running): a lane whose process dies leaves it to the other one. */
  holders: number;
  /** Taken over by the fair lane already. */
  escalated: boolean;
  settled: boolean;
  resolve: (key: Buffer) => void;
  reject: (error: Error) => void;
}

interface Run {
  job: Job;
  startedAt: number;
  /** When a background run is out of patience. */
  deadline: number;
}

interface Reply {
  id: number;
  key?: Uint8Array;
  error?: string;
}

/** A lane's waiting hashes: the background lane's is the fair waiting room, the fair lane's (a slot or so) a plain array. */
interface JobQueue {
  readonly length: number;
  push(job: Job): void;
  unshift(job: Job): void;
  shift(): Job | undefined;
}

interface Lane {
  name: LaneName;
  queue: JobQueue;
  running: Map<number, Run>;
  child?: ChildProcess;
  idleTimer?: ReturnType<typeof setTimeout>;
}

/** The background process's CPU time at the last sample, and what else was true then. */
interface Probe {
  timer?: ReturnType<typeof setInterval>;
  pid?: number;
  cpuNs?: number;
  /** performance.now() of that sample: a busy event loop runs the timer late. */
  at?: number;
  fairWasIdle?: boolean;
  /** Samples in a row that found too little. */
  short?: number;
}

interface HashingState {
  /** The background lane's queue: what every new hash is admitted to, and waits in. */
  waiting: FairQueue<Job>;
  background: Lane;
  fair: Lane;
  probe: Probe;
  nextId: number;
  /** How long recent hashes took from start to answer, in ms per unit of work (workOf), the newest last. */
  recentMsPerWork: number[];
}
// Next loads this module once per server bundle (route handlers; pages and their server actions): the
// state lives on globalThis, so a server process has one queue, one bound and one process per lane.
const globals = globalThis as { [key: symbol]: HashingState | undefined };
const stateKey = Symbol.for("ironlink.password-hashing.v3");
const newState = (): HashingState => {
  const waiting = new FairQueue<Job>(maxWaitingHashes, maxHashesPerAccount);
  const background: Lane = { name: "background", queue: waiting, running: new Map() };
  return { waiting, background, fair: { name: "fair", queue: [], running: new Map() }, probe: {}, nextId: 0, recentMsPerWork: [] };
};
globals[stateKey] ??= newState();
const state = globals[stateKey];

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
    // Only new hashes meet the bound: those re-run after a crash (fail, in hashingProcess) were admitted and go back in front.
    const admission = state.waiting.admit(job);
    if (!admission.admitted) {
      reject(new HashingBusyError(admission.reason));
      return;
    }
    if (admission.displaced) {
      admission.displaced.holders--;
      settle(admission.displaced, new HashingBusyError("displaced"));
    }
    // A hash the fair lane took over still sits in the background process: it has had no CPU since, so
    // this one would wait for nothing. Straight to the fair lane, while it has a slot.
    if (fairHasSlot() && [...state.background.running.values()].some((run) => run.job.escalated)) escalate(job);
    else enqueue(state.background, job);
  });
}

const fairHasSlot = () => state.fair.running.size + state.fair.queue.length < lanes.fair.concurrency;

function escalate(job: Job): void {
  job.escalated = true;
  enqueue(state.fair, job, true);
}

/** scrypt's work: N × r × p blocks (Node takes either spelling of each). */
function workOf(options: ScryptOptions): number {
  return (options.N ?? options.cost ?? 16_384) * (options.r ?? options.blockSize ?? 8) * (options.p ?? options.parallelization ?? 1);
}

/** Patience for a background hash: 1.5x what the quickest recent hash took for that much work (a quiet machine's pace). */
function patienceMs(job: Job): number {
  return state.recentMsPerWork.length === 0 ? firstPatienceMs : patienceFactor * Math.min(...state.recentMsPerWork) * workOf(job.options);
}

function enqueue(lane: Lane, job: Job, front = false): void {
  job.holders++;
  if (front) lane.queue.unshift(job);
  else lane.queue.push(job);
  dispatch(lane);
}

/**
 * The background lane starves: the fair lane, if it has a free slot, runs the hash starving there too, or
 * takes the next waiting one. The starving one first: it was in line before any that wait, and left there
 * it would wait out a whole flood (a sign-in took 15 s while the waiting ones went past it).
 */
function takeOver(): void {
  const { background } = state;
  if (!fairHasSlot()) return;
  let job = [...background.running.values()].map((run) => run.job).find((running) => !running.escalated && !running.settled);
  if (!job) {
    job = background.queue.shift();
    if (job) job.holders--;
  }
  if (job) escalate(job);
}

/** Where the background process cannot be sampled: a hash there past its patience is the sign of starving. */
function pastPatience(): boolean {
  const now = performance.now();
  for (const run of state.background.running.values()) if (now > run.deadline) return true;
  return false;
}

/** Samples the background process's CPU time every probeMs while it hashes (Linux; elsewhere patience decides). */
function probeBackground(): void {
  const { probe, background, fair } = state;
  if (probe.timer || background.running.size === 0) return;
  Object.assign(probe, { pid: background.child?.pid, cpuNs: cpuTimeNs(background.child?.pid), at: performance.now(), fairWasIdle: fair.running.size === 0 });
  probe.timer = setInterval(() => {
    const pid = background.child?.pid;
    const cpuNs = cpuTimeNs(pid);
    const at = performance.now();
    const fairIsIdle = fair.running.size === 0;
    const hashing = Math.min(background.running.size, lanes.background.concurrency);
    // Evidence only from a window the fair lane sat out, in one and the same process (a new one starts over).
    const evidence = probe.fairWasIdle && fairIsIdle && pid === probe.pid && cpuNs !== undefined && probe.cpuNs !== undefined;
    const tooLittle = evidence && cpuNs - (probe.cpuNs as number) < starvingShare * hashing * (at - (probe.at as number)) * 1e6;
    // A window the fair lane hashed in leaves the count as it was: it proves nothing either way.
    const short = tooLittle ? (probe.short ?? 0) + 1 : evidence ? 0 : (probe.short ?? 0);
    Object.assign(probe, { pid, cpuNs, at, fairWasIdle: fairIsIdle, short });
    if (short >= starvingSamples) takeOver();
    if (background.running.size === 0) stopProbe();
  }, probeMs);
  probe.timer.unref();
}

function stopProbe(): void {
  clearInterval(state.probe.timer);
  state.probe = {};
}

/** CPU time a process's threads have had, in ns, from /proc/<pid>/task/<tid>/schedstat; undefined where there is none. */
function cpuTimeNs(pid: number | undefined): number | undefined {
  if (pid === undefined || process.platform !== "linux") return undefined;
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    return Number.isFinite(total) ? total : undefined;
  } catch {
    return undefined; // the process ended, or no schedstat in this kernel
  }
}

/** Without samples, patience decides: checked when a background hash's runs out, and when the fair lane frees a slot. */
function takeOverIfPastPatience(): void {
  if (state.probe.cpuNs === undefined && pastPatience()) takeOver();
}

function dispatch(lane: Lane): void {
  while (lane.queue.length > 0 && lane.running.size < lanes[lane.name].concurrency) {
    const job = lane.queue.shift() as Job;
    if (job.settled) {
      job.holders--;
      continue;
    }
    const id = state.nextId++;
    const startedAt = performance.now();
    const run: Run = { job, startedAt, deadline: startedAt + patienceMs(job) };
    lane.running.set(id, run);
    try {
      hashingProcess(lane).send({ id, password: job.password, salt: job.salt, keyLength: job.keyLength, options: job.options });
    } catch (error) {
      lane.running.delete(id);
      job.holders--;
      settle(job, new Error(`could not start the password hashing process: ${error instanceof Error ? error.message : error}`));
      continue;
    }
    if (lane.name === "background") setTimeout(takeOverIfPastPatience, run.deadline - run.startedAt + 1).unref();
  }
  // The fair lane's process starts with the background one (and idles out like it), so the first hash it
  // takes over on a busy machine does not also wait for a Node process to boot there.
  if (lane.name === "background" && lane.child && !state.fair.child?.connected) {
    try {
      hashingProcess(state.fair);
      keepAlive(state.fair);
    } catch {
      // it is started again when first needed
    }
  }
  if (lane.name === "background") probeBackground();
  else takeOverIfPastPatience();
  keepAlive(lane);
}

function settle(job: Job, outcome: Buffer | Error): void {
  if (job.settled) return;
  job.settled = true;
  state.waiting.release(job);
  if (outcome instanceof Error) job.reject(outcome);
  else job.resolve(outcome);
}

function hashingProcess(lane: Lane): ChildProcess {
  if (lane.child?.connected) return lane.child;
  // The lane's name is an argument only so that ps (and the tests) can tell the processes apart.
  const started = spawn(process.execPath, ["-e", lanes[lane.name].source, `ironlink-hashing-${lane.name}`], {
    // Its own session (so its own autogroup) and no inherited secrets or NODE_OPTIONS hooks.
    detached: true,
    env: { NODE_ENV: process.env.NODE_ENV, UV_THREADPOOL_SIZE: String(lanes[lane.name].concurrency) },
    serialization: "advanced",
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    windowsHide: true,
  });
  started.on("message", (reply: Reply) => onReply(lane, reply));
  // A process that dies (out of memory, killed): its hashes go to a new one, once; a second death fails them.
  const fail = (error: Error) => {
    if (lane.child !== started) return;
    lane.child = undefined;
    const runs = [...lane.running.values()];
    lane.running.clear();
    for (const { job } of runs) {
      job.holders--;
      if (job.settled || job.holders > 0) continue; // answered already, or the other lane has it
      job.deaths++;
      if (job.deaths < 2) enqueue(lane, job, true);
      else settle(job, error);
    }
    dispatch(lane);
  };
  started.on("error", (error) => fail(new Error(`the password hashing process failed: ${error.message}`)));
  started.on("exit", (code, signal) => fail(new Error(`the password hashing process exited (${signal ?? code})`)));
  lane.child = started;
  return started;
}

function onReply(lane: Lane, reply: Reply): void {
  const run = lane.running.get(reply.id);
  if (!run) return;
  lane.running.delete(reply.id);
  run.job.holders--;
  if (reply.key) {
    state.recentMsPerWork.push((performance.now() - run.startedAt) / workOf(run.job.options));
    if (state.recentMsPerWork.length > recentHashes) state.recentMsPerWork.shift();
    settle(run.job, Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));
  } else {
    settle(run.job, new Error(`scrypt failed: ${reply.error}`));
  }
  dispatch(lane);
}

/** Hashes in flight keep the server process alive (a seeding script, a test); an idle child does not. */
function keepAlive(lane: Lane): void {
  clearTimeout(lane.idleTimer);
  const child = lane.child;
  if (!child) return;
  if (lane.running.size > 0) {
    child.ref();
    child.channel?.ref();
    return;
  }
  child.unref();
  child.channel?.unref();
  lane.idleTimer = setTimeout(() => child.connected && child.disconnect(), idleExitMs);
  lane.idleTimer.unref();
}
