import type { ChildProcess } from "node:child_process";
import type { ScryptOptions } from "node:crypto";
import { processWide } from "../../../process-wide";
import { firstSample, type LanesNow, type Probe, probeMs, sampleIsStarving } from "./cpu-sampling";
import { type Admission, FairQueue, type HashFairness } from "./fair-queue";
import { maxConcurrentHashes, maxFairHashes, maxHashesPerAccount, maxWaitingHashes } from "./hash-limits";
import { patienceMs, recordHashTime } from "./hash-pace";
import { keepAlive, type LaneName, type Reply, spawnHashingChild } from "./hashing-child";

// The scheduler of the two hashing lanes: which hash runs where, and when the fair lane takes over (hash-process.ts).

/** One hash, from admission to its answer. */
export interface Job {
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

interface HashingState {
  /** The background lane's queue: what every new hash is admitted to, and waits in. */
  waiting: FairQueue<Job>;
  background: Lane;
  fair: Lane;
  probe: Probe;
  nextId: number;
  /** How long recent hashes took from start to answer, in ms per unit of work (hash-pace.ts), the newest last. */
  recentMsPerWork: number[];
}

const concurrency: Record<LaneName, number> = { background: maxConcurrentHashes, fair: maxFairHashes };

const newState = (): HashingState => {
  const waiting = new FairQueue<Job>(maxWaitingHashes, maxHashesPerAccount);
  const background: Lane = { name: "background", queue: waiting, running: new Map() };
  return { waiting, background, fair: { name: "fair", queue: [], running: new Map() }, probe: {}, nextId: 0, recentMsPerWork: [] };
};
// One queue, one bound and one process per lane in a server process, however many bundles load this module.
const state = processWide("ironlink.password-hashing.v3", newState);

/** Admits a new hash to the waiting room, or says why not. Only new hashes meet the bound: re-runs after a crash go back in front. */
export function admitHash(job: Job): Admission<Job> {
  return state.waiting.admit(job);
}

/** A waiting hash whose place a newcomer took: it leaves the background lane, refused with `error`. */
export function refuseWaitingHash(job: Job, error: Error): void {
  job.holders--;
  settle(job, error);
}

/** Runs an admitted hash: in the background lane, or the fair lane while the background process starves. */
export function runHash(job: Job): void {
  // A hash the fair lane took over still sits in the background process: it has had no CPU since, so
  // this one would wait for nothing. Straight to the fair lane, while it has a slot.
  if (fairHasSlot() && [...state.background.running.values()].some((run) => run.job.escalated)) escalate(job);
  else enqueue(state.background, job);
}

const fairHasSlot = () => state.fair.running.size + state.fair.queue.length < concurrency.fair;

function escalate(job: Job): void {
  job.escalated = true;
  enqueue(state.fair, job, true);
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

function lanesNow(): LanesNow {
  const { background, fair } = state;
  return { pid: background.child?.pid, hashing: Math.min(background.running.size, concurrency.background), fairIsIdle: fair.running.size === 0 };
}

/** Samples the background process's CPU time every probeMs while it hashes (Linux; elsewhere patience decides). */
function probeBackground(): void {
  const { probe, background } = state;
  if (probe.timer || background.running.size === 0) return;
  firstSample(probe, lanesNow());
  probe.timer = setInterval(() => {
    if (sampleIsStarving(probe, lanesNow())) takeOver();
    if (background.running.size === 0) stopProbe();
  }, probeMs);
  probe.timer.unref();
}

function stopProbe(): void {
  clearInterval(state.probe.timer);
  state.probe = {};
}

/** Without samples, patience decides: checked when a background hash's runs out, and when the fair lane frees a slot. */
function takeOverIfPastPatience(): void {
  if (state.probe.cpuNs === undefined && pastPatience()) takeOver();
}

function dispatch(lane: Lane): void {
  while (lane.queue.length > 0 && lane.running.size < concurrency[lane.name]) {
    const job = lane.queue.shift() as Job;
    if (job.settled) job.holders--;
    else start(lane, job);
  }
  if (lane.name === "background") {
    startFairWithBackground();
    probeBackground();
  } else {
    takeOverIfPastPatience();
  }
  keepAlive(lane);
}

/** Sends a job to its lane's process (started if need be); a process that cannot start fails the job. */
function start(lane: Lane, job: Job): void {
  const id = state.nextId++;
  const startedAt = performance.now();
  const run: Run = { job, startedAt, deadline: startedAt + patienceMs(state.recentMsPerWork, job.options) };
  lane.running.set(id, run);
  try {
    hashingProcess(lane).send({ id, password: job.password, salt: job.salt, keyLength: job.keyLength, options: job.options });
  } catch (error) {
    lane.running.delete(id);
    job.holders--;
    settle(job, new Error(`could not start the password hashing process: ${error instanceof Error ? error.message : error}`));
    return;
  }
  if (lane.name === "background") setTimeout(takeOverIfPastPatience, run.deadline - run.startedAt + 1).unref();
}

/**
 * The fair lane's process starts with the background one (and idles out like it), so the first hash it
 * takes over on a busy machine does not also wait for a Node process to boot there.
 */
function startFairWithBackground(): void {
  if (!state.background.child || state.fair.child?.connected) return;
  try {
    hashingProcess(state.fair);
    keepAlive(state.fair);
  } catch {
    // it is started again when first needed
  }
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
  const started = spawnHashingChild(lane.name, concurrency[lane.name]);
  started.on("message", (reply: Reply) => onReply(lane, reply));
  started.on("error", (error) => onChildGone(lane, started, new Error(`the password hashing process failed: ${error.message}`)));
  started.on("exit", (code, signal) => onChildGone(lane, started, new Error(`the password hashing process exited (${signal ?? code})`)));
  lane.child = started;
  return started;
}

/** A process that dies (out of memory, killed): its hashes go to a new one, once; a second death fails them. */
function onChildGone(lane: Lane, gone: ChildProcess, error: Error): void {
  if (lane.child !== gone) return;
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
}

function onReply(lane: Lane, reply: Reply): void {
  const run = lane.running.get(reply.id);
  if (!run) return;
  lane.running.delete(reply.id);
  run.job.holders--;
  if (reply.key) {
    recordHashTime(state.recentMsPerWork, performance.now() - run.startedAt, run.job.options);
    settle(run.job, Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));
  } else {
    settle(run.job, new Error(`scrypt failed: ${reply.error}`));
  }
  dispatch(lane);
}
