/**
 * `npm run bench`: everything, in one run, on this machine.
 *
 *   1. a private redis-server (free port, temp dir, no persistence);
 *   2. `next build` + `next start` of the fixture app (bench/app: /plain, /iron, /ironlink, …);
 *   3. reads: /plain, /iron, /ironlink in turns (A B C, B C A, C A B, …), autocannon, ratios per round;
 *   4. commands per read (INFO commandstats over the /ironlink turns) and per write (/ironlink-save);
 *   5. p99 of /ironlink reads, quiet and during a burst of sign-ins (scrypt in the low-priority hashing process);
 *   6. library micro-benchmarks (no HTTP);
 *   7. memory: bytes per session, 1,000,000 sessions, listSessions at 1,000 and 1,000,000;
 *   8. live sign-out (live.ts): app one with 1,000 open event streams on a Redis of its own: destroy() → the
 *      `ended` event (p50, p99), memory per open stream, Redis commands while they idle;
 *   9. contenders (contenders.ts): the real app one, stateless iron-session in a bare Next app,
 *      express-session + connect-redis and @ironlink/express, at 1, 4 and 16 kB of session data.
 *
 * Options: --quick (short turns, 100,000 sessions: a smoke test, not a measurement), --cpu-prof (writes a
 * CPU profile of the Next server to bench/.profiles/), --skip-build (reuse bench/.next and apps/one/.next),
 * --live-only (only part 8), --contenders-only (only part 9, with the builds it needs).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, constants, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startRedis } from "@ironlink/testing";
import { createRedisClient } from "@ironlink/session/redis";
import { sealData } from "iron-session";
import { Redis } from "ioredis";
import { ironCookieName, ironlinkCookieName, sessionData, ttl } from "../lib/fixture";
import { benchSessions } from "../lib/ironlink";
import { type ContendersResult, contenderGoals, contendersReport, runContenders } from "./contenders";
import { assertClean, type LoadResult, load } from "./http";
import { type LiveResult, liveGoals, liveReport, runLive } from "./live";
import { type MemoryResult, runMemory } from "./memory";
import { runMicro } from "./micro";
import { runSignInUnderReads, signInUnderReadsGoal, signInUnderReadsReport } from "./sign-in-under-reads";
import { pacedLoad } from "./paced";
import { cleanup, cpuSeconds, freePort, installSignalHandlers, interrupted, onCleanup, runQueueWaitNs } from "./processes";
import { type CommandCounts, commandDelta, commandStats, describeCounts, infoField, total, traceCommands } from "./redis-stats";
import { type Goal, goalsTable, packageVersion, resultsFile, table } from "./report";
import { benchDir, mintSession, nextBuild, startNext } from "./servers";
import { type LoopResult, median, percentile, rotate, sleep } from "./timing";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const cpuProfile = args.has("--cpu-prof");
const skipBuild = args.has("--skip-build");
const liveOnly = args.has("--live-only");
const contendersOnly = args.has("--contenders-only");

const config = {
  connections: 20,
  readRounds: quick ? 2 : 8,
  turnSeconds: quick ? 2 : 4,
  warmupSeconds: quick ? 2 : 3,
  writeRounds: quick ? 1 : 3,
  writeSessions: 20,
  /** The reads whose p99 we watch: a steady open-loop load (evenly spaced) well under capacity. */
  burstReadRate: 400,
  /** Concurrent sign-ins: each is a 32 MiB, ~100 ms scrypt in packages/next's hashing process (SCHED_IDLE; CPUs − 1 at once). */
  burstSignInConnections: 8,
  burstRounds: quick ? 1 : 8,
  burstSeconds: quick ? 3 : 6,
  signInUnderReadsRounds: quick ? 1 : 4,
  signInsPerTurn: quick ? 5 : 15,
  microBudgetMs: quick ? 500 : 1500,
  sessionsLarge: quick ? 100_000 : 1_000_000,
  sessionsSmall: 1_000,
  liveStreams: 1_000,
  liveSamples: quick ? 50 : 250,
  liveIdleSeconds: quick ? 2 : 6,
};

const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

interface BurstSample extends LoadResult {
  /** µs per read that the server's event loop thread waited on a run queue (runnable, not running). */
  runQueueWait: number;
  /** The same for this process's own event loop, which sends the reads and times them. */
  clientRunQueueWait: number;
  signInsPerSecond?: number;
}

/** One part alone (`--live-only`, `--contenders-only`): its own Redis and servers, its section of the report, its figures. */
async function mainPart<R>(name: string, measure: () => Promise<R>, report: (result: R) => string[], goalsOf: (result: R) => Goal[]): Promise<void> {
  installSignalHandlers();
  const startedAt = performance.now();
  const machine = `${cpus().length} CPUs (${cpuModel()}), Node ${process.version}, Next ${packageVersion("next")}`;
  const loadAtStart = loadAverage();
  log(`machine: ${machine}; load average ${loadAtStart}`);
  const result = await measure();
  const goals = goalsOf(result);
  console.log(
    [
      "",
      `Machine: ${machine}. Load average (1, 5, 15 min) at the start: ${loadAtStart}, at the end: ${loadAverage()}.`,
      "",
      ...report(result),
      "",
      goalsTable(goals),
      "",
      `Total time: ${((performance.now() - startedAt) / 1000).toFixed(0)} s.`,
    ].join("\n"),
  );
  writeResults({ machine, config: { quick }, [name]: result, goals });
  if (goals.some((g) => !g.pass)) process.exitCode = 1;
}

function writeResults(results: Record<string, unknown>): void {
  const path = resultsFile("bench", "json");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  log(`results: ${path}`);
}

function measureLive(): Promise<LiveResult> {
  log(`live sign-out: ${config.liveStreams} streams, ${config.liveSamples} propagation samples`);
  // BENCH_LIVE_ACCEPT_ENCODING=identity: the streams without compression (a diagnostic; browsers send gzip).
  const acceptEncoding = process.env.BENCH_LIVE_ACCEPT_ENCODING || undefined;
  return runLive({ streams: config.liveStreams, samples: config.liveSamples, idleSeconds: config.liveIdleSeconds, skipBuild, acceptEncoding, log });
}

/** Part 9. The fixture (for Ironlink-on-Next writes) is built here only when part 2 did not build it. */
function measureContenders(buildFixture: boolean): Promise<ContendersResult> {
  return runContenders({ quick, skipBuild, buildFixture, log });
}

async function main(): Promise<void> {
  installSignalHandlers();
  const startedAt = performance.now();
  const loadAtStart = loadAverage();
  const password = randomBytes(32).toString("base64url");
  process.env.BENCH_SESSION_PASSWORD = password; // the micro-benchmarks and cookie minting use the fixture's options too

  // 1. Redis.
  const redis = await startRedis();
  onCleanup(() => redis.stop());
  process.env.REDIS_URL = redis.url;
  const stats = new Redis(redis.url);
  stats.on("error", () => {}); // a Redis stopped by Ctrl-C before us: nothing to report
  onCleanup(() => stats.disconnect());
  const machine = {
    cpus: cpus().length,
    cpuModel: cpuModel(),
    node: process.version,
    redis: await infoField(stats, "server", "redis_version"),
    next: packageVersion("next"),
    ironSession: packageVersion("iron-session"),
  };
  log(`machine: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, Redis ${machine.redis}, Next ${machine.next}, iron-session ${machine.ironSession}`);
  log(`redis-server ${redis.url} (pid of its own, dir ${redis.dir})`);

  // 2. The fixture app.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    REDIS_URL: redis.url,
    BENCH_SESSION_PASSWORD: password,
  };
  if (!skipBuild) await nextBuild(benchDir, env, "bench fixture", log);
  const profileDir = join(benchDir, ".profiles");
  if (cpuProfile) mkdirSync(profileDir, { recursive: true });
  const nodeArgs = cpuProfile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const server = await startNext({ dir: benchDir, port: await freePort(), env, healthPath: "/plain", nodeArgs });
  const base = server.origin;
  const nextPid = server.pid;
  log(`next start ${base} (pid ${nextPid})`);
  const redisPid = Number(await infoField(stats, "server", "process_id"));
  /** A load run, with the CPU time the Next server and Redis spent on it (µs per response). */
  const measure = async (run: () => Promise<LoadResult>) => {
    const before = [cpuSeconds(nextPid), cpuSeconds(redisPid)];
    const result = await run();
    const after = [cpuSeconds(nextPid), cpuSeconds(redisPid)];
    return {
      ...result,
      nextCpu: (((after[0] as number) - (before[0] as number)) * 1e6) / result.responses,
      redisCpu: (((after[1] as number) - (before[1] as number)) * 1e6) / result.responses,
    };
  };
  type Measured = Awaited<ReturnType<typeof measure>>;

  // Cookies: minted here with the fixture's own options, as a sign-in would.
  const mintClient = createRedisClient(redis.url);
  onCleanup(() => mintClient.disconnect());
  const manager = benchSessions(mintClient);
  let minted = 0;
  const mintIronlinkCookie = async (user = `u-reader-${minted}`) => {
    minted++;
    return (await mintSession(manager, ironlinkCookieName, sessionData({ id: user, username: user }))).cookie;
  };
  const ironCookie = `${ironCookieName}=${await sealData(sessionData({ id: "u-reader", username: "u-reader" }), { password, ttl })}`;
  for (const [path, cookie] of [["/iron", ironCookie], ["/ironlink", await mintIronlinkCookie()]] as const) {
    const response = await fetch(base + path, { headers: { cookie } });
    const body = (await response.json()) as { user?: { id: string } };
    if (!response.ok || !body.user) throw new Error(`${path} did not read its session: ${response.status} ${JSON.stringify(body)}`);
  }

  // Warm-up: JIT, module loading, Redis connection, the verified-seal cache.
  log(`warm-up: ${config.warmupSeconds} s per route`);
  const contenders = [
    { name: "plain", path: "/plain", cookie: undefined as string | undefined },
    { name: "iron", path: "/iron", cookie: ironCookie },
    { name: "ironlink", path: "/ironlink", cookie: undefined as string | undefined },
  ];
  for (const c of contenders) {
    const cookie = c.name === "ironlink" ? await mintIronlinkCookie() : c.cookie;
    assertClean(`warm-up ${c.path}`, await load({ url: base + c.path, cookie, connections: config.connections, durationSeconds: config.warmupSeconds }));
  }
  await sleep(300); // nothing of the warm-up still in flight

  // 3. Reads, interleaved.
  log(`reads: ${config.readRounds} rounds × (plain, iron, ironlink, rotating) × ${config.turnSeconds} s, ${config.connections} connections`);
  const turns: Record<string, Measured[]> = { plain: [], iron: [], ironlink: [] };
  const readCommands: CommandCounts[] = [];
  let readsSent = 0;
  for (let round = 1; round <= config.readRounds; round++) {
    // The order rotates each round (A B C, B C A, C A B, …), so no route always follows the same one.
    for (const c of rotate(contenders, round - 1)) {
      let cookie = c.cookie;
      if (c.name === "ironlink") {
        // A session younger than touchInterval (60 s): no read of this turn is due an idle extension.
        cookie = await mintIronlinkCookie();
        await fetch(base + c.path, { headers: { cookie } }); // its first read unseals; the turn reads it warm
        await sleep(100);
      }
      const before = c.name === "ironlink" ? await commandStats(stats) : undefined;
      const result = await measure(() => load({ url: base + c.path, cookie, connections: config.connections, durationSeconds: config.turnSeconds }));
      assertClean(`${c.path} round ${round}`, result);
      if (before) {
        await sleep(300); // requests still in flight when the turn ended finish their command
        const delta = commandDelta(before, await commandStats(stats));
        readCommands.push(delta);
        readsSent += result.sent;
      }
      turns[c.name]?.push(result);
      log(
        `  round ${round} ${c.name.padEnd(8)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  ` +
          `CPU/req: next ${result.nextCpu.toFixed(0)} µs, redis ${result.redisCpu.toFixed(0)} µs`,
      );
    }
  }
  const readSummary = Object.fromEntries(
    Object.entries(turns).map(([name, results]) => [
      name,
      {
        rps: median(results.map((r) => r.rps)),
        p50: median(results.map((r) => r.p50)),
        p99: median(results.map((r) => r.p99)),
        nextCpu: median(results.map((r) => r.nextCpu)),
        redisCpu: median(results.map((r) => r.redisCpu)),
      },
    ]),
  ) as Record<string, { rps: number; p50: number; p99: number; nextCpu: number; redisCpu: number }>;
  const perRound = (a: string, b: string) => (turns[a] ?? []).map((r, i) => r.rps / (turns[b]?.[i]?.rps as number));
  const ratioIron = median(perRound("ironlink", "iron"));
  const ratioPlain = median(perRound("ironlink", "plain"));
  const ironPlain = median(perRound("iron", "plain"));
  const readDelta = sumCounts(readCommands);
  const commandsPerRead = total(readDelta) / readsSent;

  // Exact per-request commands from MONITOR, on a short sequential sample (never during a timed turn).
  const sampleCookie = await mintIronlinkCookie();
  await fetch(`${base}/ironlink`, { headers: { cookie: sampleCookie } });
  const readTrace = await traceCommands(redis.url, async () => {
    for (let i = 0; i < 100; i++) await fetch(`${base}/ironlink`, { headers: { cookie: sampleCookie } });
  });

  // 4. Writes: one session per connection (as real clients), so saves do not contend on one key.
  log(`writes: POST /ironlink-save, ${config.writeRounds} × ${config.turnSeconds} s, ${config.writeSessions} sessions`);
  const writeCookies: string[] = [];
  for (let i = 0; i < config.writeSessions; i++) writeCookies.push(await mintIronlinkCookie(`u-writer-${i}`));
  assertClean(
    "warm-up /ironlink-save",
    await load({ url: `${base}/ironlink-save`, method: "POST", cookie: writeCookies, connections: config.writeSessions, durationSeconds: 2 }),
  );
  await sleep(300);
  const writeTurns: Measured[] = [];
  const writeCommands: CommandCounts[] = [];
  let writesSent = 0;
  for (let round = 1; round <= config.writeRounds; round++) {
    const before = await commandStats(stats);
    const result = await measure(() =>
      load({ url: `${base}/ironlink-save`, method: "POST", cookie: writeCookies, connections: config.writeSessions, durationSeconds: config.turnSeconds }),
    );
    assertClean(`/ironlink-save round ${round}`, result);
    await sleep(300);
    writeCommands.push(commandDelta(before, await commandStats(stats)));
    writesSent += result.sent;
    writeTurns.push(result);
    log(`  round ${round} save     ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms`);
  }
  const writeDelta = sumCounts(writeCommands);
  const writeTrace = await traceCommands(redis.url, async () => {
    for (let i = 0; i < 100; i++) await fetch(`${base}/ironlink-save`, { method: "POST", headers: { cookie: writeCookies[0] as string } });
  });
  const signInTrace = await traceCommands(redis.url, async () => {
    for (let i = 0; i < 10; i++) await fetch(`${base}/signin`, { method: "POST" });
  });
  const clientCommandsPerWrite = total(writeTrace.client) / 100;
  // A write request is a read (one GET: load the session) and then the save.
  const commandsPerSave = clientCommandsPerWrite - total(readTrace.client) / 100;

  // 5. Sign-in burst: the same steady read load, quiet and during concurrent sign-ins, interleaved.
  log(
    `sign-in burst: ${config.burstRounds} × (quiet, sign-ins) × ${config.burstSeconds} s; reads ${config.burstReadRate}/s evenly spaced, ` +
      `${config.burstSignInConnections} concurrent sign-ins`,
  );
  /** A session younger than touchInterval, read once: no read of the next ~20 s is due an idle extension. */
  const freshCookie = async () => {
    const cookie = await mintIronlinkCookie();
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
  /** Waits for the server to go idle: sign-ins still in flight when a load ends keep hashing for a while. */
  const settle = async () => {
    for (let i = 0; i < 40; i++) {
      const before = cpuSeconds(nextPid);
      await sleep(250);
      if (cpuSeconds(nextPid) - before < 0.02) return;
    }
  };
  const withSignIns = async (path: string, work: () => Promise<BurstSample>): Promise<BurstSample> => {
    const signInLoad = load({ url: base + path, method: "POST", connections: config.burstSignInConnections, durationSeconds: config.burstSeconds + 2 });
    await sleep(500); // hashing is under way before the reads start
    const result = await work();
    const signIns = await signInLoad;
    assertClean(path, signIns);
    await settle();
    return { ...result, signInsPerSecond: signIns.rps };
  };
  const burst: Record<"quiet" | "signIn" | "poolQuiet" | "poolBlocked" | "ironQuiet" | "ironSignIn", BurstSample[]> = {
    quiet: [],
    signIn: [],
    poolQuiet: [],
    poolBlocked: [],
    ironQuiet: [],
    ironSignIn: [],
  };
  await settle();
  for (let round = 1; round <= config.burstRounds; round++) {
    const burstCookie = await freshCookie();
    const q = await readLoad("/ironlink", burstCookie);
    const b = await withSignIns("/signin", () => readLoad("/ironlink", burstCookie));
    burst.quiet.push(q);
    burst.signIn.push(b);
    log(
      `  round ${round} /ironlink p99: quiet ${ms(q.p99)} ms, during sign-ins ${ms(b.p99)} ms (${b.signInsPerSecond?.toFixed(1)} sign-ins/s); ` +
        `event-loop run-queue wait per read ${q.runQueueWait.toFixed(0)} → ${b.runQueueWait.toFixed(0)} µs`,
    );
  }
  // Diagnostic: every pool thread taken (without CPU). A read path that needed the pool would stall here.
  {
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
    const burstCookie = await freshCookie();
    burst.poolQuiet.push(await readLoad("/ironlink", burstCookie));
    const blocked = await fetch(`${base}/pool-block?fifo=${encodeURIComponent(fifo)}&threads=${poolThreads}`, { method: "POST" });
    if (!blocked.ok) throw new Error(`/pool-block answered ${blocked.status}`);
    await sleep(200);
    // Proof that the pool is taken: iron-session's unseal (WebCrypto, on the pool) does not answer meanwhile.
    const ironProbe = fetch(`${base}/iron`, { headers: { cookie: ironCookie }, signal: AbortSignal.timeout(1000) }).then(
      () => "answered",
      () => "stalled",
    );
    burst.poolBlocked.push(await readLoad("/ironlink", burstCookie));
    const probe = await ironProbe;
    release();
    rmSync(fifo, { force: true });
    if (probe !== "stalled") log("  warning: an /iron read answered while the pool was meant to be blocked");
    log(`  libuv pool blocked (${poolThreads} threads, no CPU): /ironlink p99 ${ms(burst.poolQuiet[0]?.p99 ?? 0)} → ${ms(burst.poolBlocked[0]?.p99 ?? 0)} ms; /iron ${probe}`);
    await settle();
  }
  // For contrast (not a goal): stateless iron-session, whose unseals run on libuv's pool in the server.
  burst.ironQuiet.push(await readLoad("/iron", ironCookie));
  burst.ironSignIn.push(await withSignIns("/signin", () => readLoad("/iron", ironCookie)));
  log(`  /iron p99: quiet ${ms(burst.ironQuiet[0]?.p99 ?? 0)} ms, sign-ins ${ms(burst.ironSignIn[0]?.p99 ?? 0)} ms`);
  // p99 over every read of every round: one hiccup of the shared machine in one 6 s turn cannot decide it.
  const p99Quiet = pooled(burst.quiet, 0.99);
  const p99Burst = pooled(burst.signIn, 0.99);

  // 5b. The other side: sign-ins one at a time while reads take every CPU they can.
  log(`sign-in while reads saturate: ${config.signInUnderReadsRounds} × (quiet, saturated) × ${config.signInsPerTurn} sign-ins`);
  await settle();
  const signInUnderReads = await runSignInUnderReads({
    base,
    cookie: await freshCookie(),
    rounds: config.signInUnderReadsRounds,
    signInsPerTurn: config.signInsPerTurn,
    connections: config.connections,
    log,
  });

  await server.stop(); // frees both CPUs for the rest (and writes the CPU profile, with --cpu-prof)
  if (cpuProfile) log(`CPU profile of the Next server written to ${profileDir}`);

  // 6. Micro-benchmarks.
  log("library micro-benchmarks…");
  const micro = await runMicro(redis.url, password, config.microBudgetMs);

  // 7. Memory.
  log(`memory: ${config.sessionsLarge.toLocaleString("en-US")} sessions…`);
  const memory = await runMemory(redis.url, password, { large: config.sessionsLarge, small: config.sessionsSmall, log });

  // 8. Live sign-out: a Redis and an app of its own, so the million sessions above do not weigh on it.
  const live = await measureLive();

  // 9. Contenders: a Redis and servers of their own again; the fixture is already built (part 2).
  const peers = await measureContenders(false);

  // Report.
  const goals: Goal[] = [
    { goal: "read: ironlink / iron-session (req/s)", measured: `${ratioIron.toFixed(2)}x`, target: "≥ 1.00x", pass: ratioIron >= 1 },
    { goal: "read: ironlink / plain (req/s)", measured: `${ratioPlain.toFixed(2)}x`, target: "≥ 0.85x", pass: ratioPlain >= 0.85 },
    {
      goal: "Redis commands per read (commandstats)",
      measured: `${commandsPerRead.toFixed(4)} (${describeCounts(readDelta, readsSent)})`,
      target: "= 1 (a GET)",
      pass: onlyCommand(readDelta, "get") && commandsPerRead >= 0.999 && commandsPerRead <= 1.001 && total(readTrace.client) === 100,
    },
    {
      goal: "Redis round trips per save (MONITOR)",
      measured: `${commandsPerSave.toFixed(2)} (${describeCounts(subtract(writeTrace.client, readTrace.client), 100)})`,
      target: "≤ 2",
      pass: commandsPerSave <= 2,
    },
    {
      goal: "read p99 during sign-in burst / quiet",
      measured: `${(p99Burst / p99Quiet).toFixed(2)}x (${p99Quiet.toFixed(2)} → ${p99Burst.toFixed(2)} ms)`,
      target: "≤ 2.00x",
      pass: p99Burst <= 2 * p99Quiet,
    },
    signInUnderReadsGoal(signInUnderReads),
    {
      goal: `listSessions at ${fmtCount(memory.large.sessions)} / at ${fmtCount(memory.small.sessions)} (p50)`,
      measured: `${(memory.large.listing.p50 / memory.small.listing.p50).toFixed(2)}x (${memory.small.listing.p50.toFixed(0)} → ${memory.large.listing.p50.toFixed(0)} µs)`,
      target: "same (≤ 1.5x)",
      pass: memory.large.listing.p50 <= 1.5 * memory.small.listing.p50,
    },
    ...liveGoals(live),
    ...contenderGoals(peers),
  ];

  const out: string[] = [];
  out.push("");
  out.push(`## Ironlink bench${quick ? " (--quick: a smoke test, not a measurement)" : ""}`);
  out.push("");
  out.push(
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, Redis ${machine.redis}, Next ${machine.next}, iron-session ${machine.ironSession}. ` +
      `Load average (1, 5, 15 min) at the start: ${loadAtStart}, at the end: ${loadAverage()}.`,
  );
  out.push("");
  out.push(
    `### Reads: GET, ${config.connections} connections, ${config.readRounds} rounds × ${config.turnSeconds} s per route, interleaved, order rotating (median over rounds)`,
  );
  out.push("");
  out.push(
    table(
      ["route", "req/s", "p50 ms", "p99 ms", "vs plain", "Next CPU µs/req", "Redis CPU µs/req"],
      (["plain", "iron", "ironlink"] as const).map((name) => {
        const s = readSummary[name] as { rps: number; p50: number; p99: number; nextCpu: number; redisCpu: number };
        const vsPlain = name === "plain" ? 1 : median(perRound(name, "plain"));
        return [routeLabel(name), s.rps.toFixed(0), s.p50.toFixed(2), s.p99.toFixed(2), `${vsPlain.toFixed(2)}x`, s.nextCpu.toFixed(0), s.redisCpu.toFixed(0)];
      }),
    ),
  );
  out.push("");
  out.push(`- ironlink / iron-session: ${ratioIron.toFixed(2)}x (per round: ${perRound("ironlink", "iron").map((r) => r.toFixed(2)).join(", ")})`);
  out.push(`- ironlink / plain: ${ratioPlain.toFixed(2)}x (per round: ${perRound("ironlink", "plain").map((r) => r.toFixed(2)).join(", ")}); iron-session / plain: ${ironPlain.toFixed(2)}x`);
  out.push(
    `- Redis commands per /ironlink read: ${commandsPerRead.toFixed(4)} (INFO commandstats over the ironlink turns: ${fmtCount(total(readDelta))} commands / ${fmtCount(readsSent)} requests sent; ${describeCounts(readDelta, readsSent)}); MONITOR, 100 sequential reads: ${describeCounts(readTrace.client, 100)}`,
  );
  out.push("");
  out.push(`### Writes: POST /ironlink-save (read, change one field, save), ${config.writeSessions} sessions, one per connection`);
  out.push("");
  const w = (pick: (r: Measured) => number) => median(writeTurns.map(pick));
  out.push(
    table(
      ["route", "req/s", "p50 ms", "p99 ms", "Next CPU µs/req", "Redis CPU µs/req"],
      [["POST /ironlink-save", w((r) => r.rps).toFixed(0), ms(w((r) => r.p50)), ms(w((r) => r.p99)), w((r) => r.nextCpu).toFixed(0), w((r) => r.redisCpu).toFixed(0)]],
    ),
  );
  out.push("");
  out.push(
    `- Per write request, MONITOR (100 sequential): ${clientCommandsPerWrite.toFixed(2)} commands from the app (${describeCounts(writeTrace.client, 100)}), ` +
      `${(total(writeTrace.lua) / 100).toFixed(2)} run inside those scripts (${describeCounts(writeTrace.lua, 100)}). The save alone: ${commandsPerSave.toFixed(2)}.`,
  );
  out.push(`- Per write request, INFO commandstats over the timed turns (scripts' inner commands included): ${(total(writeDelta) / writesSent).toFixed(2)} (${describeCounts(writeDelta, writesSent)})`);
  out.push(`- Per sign-in (new session + save), MONITOR: ${describeCounts(signInTrace.client, 10)}`);
  out.push("");
  out.push(
    `### Sign-in burst: ${config.burstReadRate} reads/s evenly spaced (open loop, latency from the due instant), quiet and during ${config.burstSignInConnections} concurrent POST /signin ` +
      `(scrypt N=2^15, r=8, p=1), ${config.burstRounds} rounds × ${config.burstSeconds} s interleaved (percentiles over all rounds' reads)`,
  );
  out.push("");
  const row = (label: string, quiet: BurstSample[], loaded: BurstSample[]) => {
    const q99 = pooled(quiet, 0.99);
    const l99 = pooled(loaded, 0.99);
    const perSecond = loaded.map((r) => r.signInsPerSecond).filter((x): x is number => x !== undefined);
    return [
      label,
      `${ms(pooled(quiet, 0.5))} / ${ms(q99)}`,
      `${ms(pooled(loaded, 0.5))} / ${ms(l99)}`,
      `${(l99 / q99).toFixed(2)}x`,
      perSecond.length ? median(perSecond).toFixed(1) : "-",
      `${median(quiet.map((r) => r.runQueueWait)).toFixed(0)} → ${median(loaded.map((r) => r.runQueueWait)).toFixed(0)}`,
      `${median(quiet.map((r) => r.clientRunQueueWait)).toFixed(0)} → ${median(loaded.map((r) => r.clientRunQueueWait)).toFixed(0)}`,
    ];
  };
  out.push(
    table(
      [
        "reads of",
        "quiet p50 / p99 ms",
        "loaded p50 / p99 ms",
        "p99 loaded/quiet",
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
  out.push("");
  out.push(...signInUnderReadsReport(signInUnderReads, config.connections));
  out.push("");
  out.push("### Library micro-benchmarks (no HTTP; one at a time, awaited)");
  out.push("");
  out.push(table(["operation", "mean µs", "p50 µs", "p99 µs", "ops/s"], micro.map(microRow)));
  out.push("");
  out.push("### Memory");
  out.push("");
  out.push(
    table(
      ["what", "value"],
      [
        ["Redis MEMORY USAGE, one session key", `${memory.sessionKeyBytes} B (value: ${memory.storedValueChars} B sealed)`],
        ["Redis MEMORY USAGE, user index with one entry", `${memory.indexKeyBytes} B`],
        ["Ironlink cookie (name=value)", `${memory.cookieHeaderChars} B (seal ${memory.cookieChars})`],
        ["iron-session cookie, same data (name=value)", `${memory.ironCookieChars} B`],
        [`used_memory, ${fmtCount(memory.small.sessions)} sessions`, mb(memory.small.usedMemory)],
        [
          `used_memory, ${fmtCount(memory.large.sessions)} sessions (${fmtCount(memory.large.users)} users, 3 each)`,
          `${mb(memory.large.usedMemory)} (RSS ${mb(memory.large.usedMemoryRss)}); loaded in ${memory.large.loadSeconds.toFixed(1)} s`,
        ],
        ["bytes per session (key, value, expiry, index share)", `${memory.bytesPerSession.toFixed(0)} B`],
        [memory.small.listing.name, `p50 ${memory.small.listing.p50.toFixed(0)} µs, mean ${memory.small.listing.mean.toFixed(0)} µs`],
        [memory.large.listing.name, `p50 ${memory.large.listing.p50.toFixed(0)} µs, mean ${memory.large.listing.mean.toFixed(0)} µs`],
      ],
    ),
  );
  out.push("");
  out.push(...liveReport(live));
  out.push("");
  out.push(...contendersReport(peers));
  out.push("");
  out.push("### Goals");
  out.push("");
  out.push(goalsTable(goals));
  out.push("");
  out.push(`Total time: ${((performance.now() - startedAt) / 1000).toFixed(0)} s.`);
  console.log(out.join("\n"));

  writeResults({
    machine,
    config,
    turns,
    readSummary,
    ratioIron,
    ratioPlain,
    commandsPerRead,
    readDelta: [...readDelta],
    writeTurns,
    writeDelta: [...writeDelta],
    readTrace: mapsToObject(readTrace),
    writeTrace: mapsToObject(writeTrace),
    signInUnderReads,
    burst: Object.fromEntries(Object.entries(burst).map(([k, v]) => [k, v.map(({ latencies: _, ...rest }) => rest)])),
    micro,
    memory: memory satisfies MemoryResult,
    live: live satisfies LiveResult,
    contenders: peers satisfies ContendersResult,
    goals,
  });
  if (goals.some((g) => !g.pass)) process.exitCode = 1;
}

/** A percentile over the latencies of several turns together. */
function pooled(samples: LoadResult[], q: number): number {
  return percentile(samples.flatMap((s) => s.latencies ?? []).sort((a, b) => a - b), q);
}

function sumCounts(list: CommandCounts[]): CommandCounts {
  const sum: CommandCounts = new Map();
  for (const counts of list) for (const [name, calls] of counts) sum.set(name, (sum.get(name) ?? 0) + calls);
  return sum;
}

function subtract(a: CommandCounts, b: CommandCounts): CommandCounts {
  const result: CommandCounts = new Map();
  for (const [name, calls] of a) {
    const d = calls - (b.get(name) ?? 0);
    if (d > 0) result.set(name, d);
  }
  return result;
}

function onlyCommand(counts: CommandCounts, name: string): boolean {
  return [...counts.keys()].every((n) => n === name);
}

function mapsToObject(trace: { client: CommandCounts; lua: CommandCounts }) {
  return { client: Object.fromEntries(trace.client), lua: Object.fromEntries(trace.lua) };
}

function routeLabel(name: string): string {
  return { plain: "GET /plain (no session)", iron: "GET /iron (iron-session)", ironlink: "GET /ironlink (Ironlink)" }[name] ?? name;
}

function microRow(r: LoopResult): string[] {
  return [r.name, r.mean.toFixed(1), r.p50.toFixed(1), r.p99.toFixed(1), r.opsPerSecond.toFixed(0)];
}

const ms = (value: number) => value.toFixed(2);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const fmtCount = (n: number) => n.toLocaleString("en-US");

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return match ? (match[1] as string).trim() : (cpus()[0]?.model ?? "unknown");
  } catch {
    return cpus()[0]?.model ?? "unknown";
  }
}

function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}

const run = liveOnly
  ? mainPart("live", measureLive, liveReport, liveGoals)
  : contendersOnly
    ? mainPart("contenders", () => measureContenders(!skipBuild), contendersReport, contenderGoals)
    : main();
run
  .catch((error: unknown) => {
    if (interrupted()) return; // the signal handler reports, cleans up and exits
    console.error("bench failed:", error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    process.exit(); // with process.exitCode; nothing of ours is left to wait for
  });
