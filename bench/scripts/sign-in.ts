/**
 * Part 5: both sides of sign-in. (a) Reads at a steady open-loop rate, quiet and during a burst of concurrent
 * sign-ins: hashing must not take the reads' CPU. (b) Sign-ins one at a time while reads saturate the server
 * (sign-in-under-reads.ts): reads must not take all of hashing's. Run alone with `--sign-in-only`.
 */
import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertClean, type LoadResult, load } from "./http";
import { pacedLoad } from "./paced";
import { cpuSecondsWithChildren, onCleanup, runQueueWaitNs } from "./processes";
import type { Goal } from "./report";
import { table } from "./report";
import { runSignInUnderReads, type SignInUnderReadsRound, signInUnderReadsGoal, signInUnderReadsReport } from "./sign-in-under-reads";
import { median, percentile, sleep, untilIdle } from "./timing";

export interface BurstSample extends LoadResult {
  /** µs per read that the server's event loop thread waited on a run queue (runnable, not running). */
  runQueueWait: number;
  /** The same for this process's own event loop, which sends the reads and times them. */
  clientRunQueueWait: number;
  signInsPerSecond?: number;
}

type BurstTurns = Record<"quiet" | "signIn" | "poolQuiet" | "poolBlocked" | "ironQuiet" | "ironSignIn", BurstSample[]>;

export interface SignInResult {
  config: ReturnType<typeof signInConfig>;
  burst: BurstTurns;
  /** Reads saturate the app: the one server that signs in (the goal). */
  signInUnderReads: SignInUnderReadsRound[];
  /** Reads saturate the machine: that server and a second one, both CPUs busy (where idle priority alone starved). */
  signInUnderMachineLoad: SignInUnderReadsRound[];
}

function signInConfig(quick: boolean, connections: number) {
  return {
    connections,
    /** The reads whose p99 we watch: a steady open-loop load (evenly spaced) well under capacity. */
    burstReadRate: 400,
    /** Concurrent sign-ins: each is a 32 MiB, ~100 ms scrypt in packages/next's hashing processes. */
    burstSignInConnections: 8,
    burstRounds: quick ? 2 : 10,
    burstSeconds: quick ? 3 : 6,
    signInUnderReadsRounds: quick ? 1 : 4,
    signInsPerTurn: quick ? 5 : 15,
  };
}

export interface SignInOptions {
  /** The fixture app (bench/app): GET /ironlink, GET /iron, POST /signin, POST /pool-block. */
  base: string;
  nextPid: number;
  /** A new Ironlink session cookie, as a sign-in would make it. */
  mintCookie: () => Promise<string>;
  ironCookie: string;
  /** Another server of the fixture, on the same Redis: the second app of a loaded machine. */
  startAnother: () => Promise<{ origin: string; stop(): Promise<void> }>;
  quick: boolean;
  connections: number;
  log: (message: string) => void;
}

export async function runSignIn(options: SignInOptions): Promise<SignInResult> {
  const { ironCookie, quick, connections, log } = options;
  const config = signInConfig(quick, connections);
  // (a) The same steady read load, quiet and during concurrent sign-ins, interleaved.
  log(
    `sign-in burst: ${config.burstRounds} × (quiet, sign-ins) × ${config.burstSeconds} s; reads ${config.burstReadRate}/s evenly spaced, ` +
      `${config.burstSignInConnections} concurrent sign-ins`,
  );
  const turns = burstTurns(options, config);
  const burst: BurstTurns = {
    quiet: [],
    signIn: [],
    poolQuiet: [],
    poolBlocked: [],
    ironQuiet: [],
    ironSignIn: [],
  };
  await quietAndSignInRounds(turns, config, burst, log);
  await poolBlockedTurns(turns, options, burst);
  // For contrast (not a goal): stateless iron-session, whose unseals run on libuv's pool in the server.
  burst.ironQuiet.push(await turns.readLoad("/iron", ironCookie));
  burst.ironSignIn.push(await turns.withSignIns("/signin", () => turns.readLoad("/iron", ironCookie)));
  log(`  /iron p99: quiet ${ms(burst.ironQuiet[0]?.p99 ?? 0)} ms, sign-ins ${ms(burst.ironSignIn[0]?.p99 ?? 0)} ms`);
  // (b) The other side: sign-ins one at a time while reads take every CPU they can.
  const { signInUnderReads, signInUnderMachineLoad } = await signInWhileReadsSaturate(turns, options, config);
  return { config, burst, signInUnderReads, signInUnderMachineLoad };
}

type SignInConfig = ReturnType<typeof signInConfig>;
type BurstTurnTools = ReturnType<typeof burstTurns>;

/** The pieces every burst turn is made of: a fresh session, the steady read load, sign-ins beside it, settling. */
function burstTurns({ base, nextPid, mintCookie }: SignInOptions, config: SignInConfig) {
  /** A session younger than touchInterval, read once: no read of the next ~20 s is due an idle extension. */
  const freshCookie = async () => {
    const cookie = await mintCookie();
    await fetch(`${base}/ironlink`, { headers: { cookie } });
    return cookie;
  };
  /** The steady read load, with the time the server's event loop thread spent runnable but not running. */
  const readLoad = async (path: string, cookie: string): Promise<BurstSample> => {
    const waitBefore = runQueueWaitNs(nextPid);
    const clientWaitBefore = runQueueWaitNs(process.pid);
    const result = await pacedLoad({ url: base + path, cookie, rate: config.burstReadRate, durationSeconds: config.burstSeconds, leadInSeconds: 1 });
    assertClean(`${path} (steady reads)`, result);
    const reads = result.responses + config.burstReadRate; // the lead-in second's reads were waited for too
    return {
      ...result,
      runQueueWait: (runQueueWaitNs(nextPid) - waitBefore) / 1000 / reads,
      clientRunQueueWait: (runQueueWaitNs(process.pid) - clientWaitBefore) / 1000 / reads,
    };
  };
  /**
   * Waits for the server and its hashing processes to go idle: the hashes of sign-ins still waiting when a
   * load ends go on for a while, and would otherwise run into the next quiet turn.
   */
  const settle = () => untilIdle(() => cpuSecondsWithChildren(nextPid), 0.08, 250);
  const withSignIns = async (path: string, work: () => Promise<BurstSample>): Promise<BurstSample> => {
    const signInLoad = load({ url: base + path, method: "POST", connections: config.burstSignInConnections, durationSeconds: config.burstSeconds + 2 });
    await sleep(500); // hashing is under way before the reads start
    const result = await work();
    const signIns = await signInLoad;
    assertClean(path, signIns);
    await settle();
    return { ...result, signInsPerSecond: signIns.rps };
  };
  return { freshCookie, readLoad, settle, withSignIns };
}

/** After a warm-up, rounds of the steady reads quiet then during concurrent sign-ins. */
async function quietAndSignInRounds(turns: BurstTurnTools, config: SignInConfig, burst: BurstTurns, log: (message: string) => void): Promise<void> {
  const { freshCookie, readLoad, withSignIns } = turns;
  // Not recorded: the routes through V8's JIT and the hashing processes started, as on a server that has run a while.
  const warmUpCookie = await freshCookie();
  await withSignIns("/signin", () => readLoad("/ironlink", warmUpCookie));
  for (let round = 1; round <= config.burstRounds; round++) {
    const burstCookie = await freshCookie();
    const q = await readLoad("/ironlink", burstCookie);
    const b = await withSignIns("/signin", () => readLoad("/ironlink", burstCookie));
    burst.quiet.push(q);
    burst.signIn.push(b);
    log(
      `  round ${round} /ironlink p99: quiet ${ms(q.p99)} ms, during sign-ins ${ms(b.p99)} ms (${(b.p99 / q.p99).toFixed(2)}x; ${b.signInsPerSecond?.toFixed(1)} sign-ins/s); ` +
        `event-loop run-queue wait per read ${q.runQueueWait.toFixed(0)} → ${b.runQueueWait.toFixed(0)} µs`,
    );
  }
}

/** Diagnostic: every pool thread taken (without CPU). A read path that needed the pool would stall here. */
async function poolBlockedTurns(turns: BurstTurnTools, { base, ironCookie, log }: SignInOptions, burst: BurstTurns): Promise<void> {
  const poolThreads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const fifo = join(tmpdir(), `ironlink-bench-fifo-${process.pid}`);
  execFileSync("mkfifo", [fifo]);
  const release = () => {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)); // every waiting open() returns
    } catch {
      // no reader left
    }
  };
  onCleanup(() => {
    release();
    rmSync(fifo, { force: true });
  });
  const burstCookie = await turns.freshCookie();
  burst.poolQuiet.push(await turns.readLoad("/ironlink", burstCookie));
  const blocked = await fetch(`${base}/pool-block?fifo=${encodeURIComponent(fifo)}&threads=${poolThreads}`, { method: "POST" });
  if (!blocked.ok) throw new Error(`/pool-block answered ${blocked.status}`);
  await sleep(200);
  // Proof that the pool is taken: iron-session's unseal (WebCrypto, on the pool) does not answer meanwhile.
  const ironProbe = fetch(`${base}/iron`, { headers: { cookie: ironCookie }, signal: AbortSignal.timeout(1000) }).then(
    () => "answered",
    () => "stalled",
  );
  burst.poolBlocked.push(await turns.readLoad("/ironlink", burstCookie));
  const probe = await ironProbe;
  release();
  rmSync(fifo, { force: true });
  if (probe !== "stalled") log("  warning: an /iron read answered while the pool was meant to be blocked");
  log(`  libuv pool blocked (${poolThreads} threads, no CPU): /ironlink p99 ${ms(burst.poolQuiet[0]?.p99 ?? 0)} → ${ms(burst.poolBlocked[0]?.p99 ?? 0)} ms; /iron ${probe}`);
  await turns.settle();
}

/** Sign-ins one at a time while reads saturate the app (one server), then the machine (a second server reads too). */
async function signInWhileReadsSaturate(
  turns: BurstTurnTools,
  { base, startAnother, log }: SignInOptions,
  config: SignInConfig,
): Promise<Pick<SignInResult, "signInUnderReads" | "signInUnderMachineLoad">> {
  log(`sign-in while reads saturate: ${config.signInUnderReadsRounds} × (quiet, saturated) × ${config.signInsPerTurn} sign-ins`);
  await turns.settle();
  const cookie = await turns.freshCookie();
  const underReads = (others: string[]) =>
    runSignInUnderReads({ base, others, cookie, rounds: config.signInUnderReadsRounds, signInsPerTurn: config.signInsPerTurn, connections: config.connections, log });
  log("  the app saturated (one server):");
  const signInUnderReads = await underReads([]);
  const another = await startAnother();
  log("  the machine saturated (a second server of the fixture read too):");
  const signInUnderMachineLoad = await underReads([another.origin]);
  await another.stop();
  return { signInUnderReads, signInUnderMachineLoad };
}

/** A percentile over the latencies of several turns together. */
export function pooled(samples: LoadResult[], q: number): number {
  return percentile(samples.flatMap((s) => s.latencies ?? []).sort((a, b) => a - b), q);
}

/**
 * p99 during sign-ins over p99 quiet, per round (the two turns side by side), and their median: the goal.
 * The Next server's own major GCs stall ~1% of reads for 30–80 ms, quiet or not, so a 6 s turn's p99 sits
 * on that edge and jumps 10 → 170 ms whenever a GC falls in the turn; one such turn decides a pooled p99.
 * The median of paired rounds, as the reads' ratios are taken, is not moved by a few of them.
 */
export function burstRatios(quiet: LoadResult[], loaded: LoadResult[]): { perRound: number[]; median: number } {
  const perRound = loaded.map((turn, i) => turn.p99 / (quiet[i]?.p99 ?? Number.NaN));
  return { perRound, median: median(perRound) };
}

const ms = (value: number) => value.toFixed(2);

export function signInGoals({ burst, signInUnderReads }: SignInResult): Goal[] {
  const ratios = burstRatios(burst.quiet, burst.signIn);
  const range = `${Math.min(...ratios.perRound).toFixed(2)}–${Math.max(...ratios.perRound).toFixed(2)}`;
  const p99Quiet = pooled(burst.quiet, 0.99);
  const p99Burst = pooled(burst.signIn, 0.99);
  return [
    {
      goal: "read p99 during sign-in burst / quiet (median of paired rounds)",
      measured: `${ratios.median.toFixed(2)}x (rounds ${range}; pooled ${ms(p99Quiet)} → ${ms(p99Burst)} ms)`,
      target: "≤ 2.00x",
      pass: ratios.median <= 2,
    },
    signInUnderReadsGoal(signInUnderReads),
  ];
}

export function signInReport({ config, burst, signInUnderReads, signInUnderMachineLoad }: SignInResult): string[] {
  const lines: string[] = [];
  lines.push(
    `### Sign-in burst: ${config.burstReadRate} reads/s evenly spaced (open loop, latency from the due instant), quiet and during ${config.burstSignInConnections} concurrent POST /signin ` +
      `(scrypt N=2^15, r=8, p=1), ${config.burstRounds} rounds × ${config.burstSeconds} s interleaved (percentiles over all rounds' reads; the ratio per round, median)`,
  );
  lines.push("");
  const row = (label: string, quiet: BurstSample[], loaded: BurstSample[]) => {
    const q99 = pooled(quiet, 0.99);
    const l99 = pooled(loaded, 0.99);
    const perSecond = loaded.map((r) => r.signInsPerSecond).filter((x): x is number => x !== undefined);
    return [
      label,
      `${ms(pooled(quiet, 0.5))} / ${ms(q99)}`,
      `${ms(pooled(loaded, 0.5))} / ${ms(l99)}`,
      `${burstRatios(quiet, loaded).median.toFixed(2)}x (pooled ${(l99 / q99).toFixed(2)}x)`,
      perSecond.length ? median(perSecond).toFixed(1) : "-",
      `${median(quiet.map((r) => r.runQueueWait)).toFixed(0)} → ${median(loaded.map((r) => r.runQueueWait)).toFixed(0)}`,
      `${median(quiet.map((r) => r.clientRunQueueWait)).toFixed(0)} → ${median(loaded.map((r) => r.clientRunQueueWait)).toFixed(0)}`,
    ];
  };
  lines.push(
    table(
      [
        "reads of",
        "quiet p50 / p99 ms",
        "loaded p50 / p99 ms",
        "p99 loaded/quiet: median of rounds",
        "sign-ins/s",
        "server event loop: run-queue wait µs/read",
        "bench client: same",
      ],
      [
        row("/ironlink, during sign-ins", burst.quiet, burst.signIn),
        row("/ironlink, libuv pool fully blocked (no CPU used)", burst.poolQuiet, burst.poolBlocked),
        row("/iron (iron-session), during sign-ins", burst.ironQuiet, burst.ironSignIn),
      ],
    ),
  );
  const ratios = burstRatios(burst.quiet, burst.signIn).perRound;
  const perRound = burst.quiet.map((q, i) => `${q.p99.toFixed(0)} → ${burst.signIn[i]?.p99.toFixed(0)} ms (${ratios[i]?.toFixed(2)}x)`);
  lines.push("");
  lines.push(`- /ironlink p99 per round, quiet → during sign-ins: ${perRound.join(", ")}`);
  lines.push("");
  lines.push(...signInUnderReadsReport(signInUnderReads, config.connections, 1));
  lines.push("");
  lines.push(...signInUnderReadsReport(signInUnderMachineLoad, config.connections, 2));
  return lines;
}

/** The figures for the results file: every turn but its raw latencies. */
export function signInFigures({ config, burst, signInUnderReads, signInUnderMachineLoad }: SignInResult) {
  const turns = Object.fromEntries(Object.entries(burst).map(([k, v]) => [k, v.map(({ latencies: _, ...rest }) => rest)]));
  return { config, burst: turns, signInUnderReads, signInUnderMachineLoad };
}
