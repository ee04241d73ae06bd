import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { startRedis } from "@ironlink/testing";
import { createRedisClient } from "@ironlink/session/redis";
import { sealData } from "iron-session";
import { Redis } from "ioredis";
import { ironCookieName, ironlinkCookieName, sessionData, ttl } from "../lib/fixture";
import { benchSessions } from "../lib/ironlink";
import { acrossRunsReport, fullRuns } from "./across-runs";
import { type ContendersResult, contenderGoals, contendersReport, runContenders } from "./contenders";
import { assertClean, type LoadResult, load } from "./http";
import { type LiveResult, liveGoals, liveReport, runLive } from "./live";
import { type MemoryResult, runMemory } from "./memory";
import { runMicro } from "./micro";
import { type OidcResult, oidcGoals, oidcReport, runOidc } from "./oidc";
import { runSignIn, type SignInResult, signInFigures, signInGoals, signInReport } from "./sign-in";
import { cleanup, cpuSeconds, freePort, installSignalHandlers, interrupted, onCleanup } from "./processes";
import { type CommandCounts, commandDelta, commandStats, describeCounts, infoField, total, traceCommands } from "./redis-stats";
import { type Goal, goalsTable, packageVersion, resultsFile, table } from "./report";
import { benchDir, mintSession, nextBuild, startNext } from "./servers";
import { type LoopResult, median, rotate, sleep } from "./timing";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const cpuProfile = args.has("--cpu-prof");
const skipBuild = args.has("--skip-build");
const liveOnly = args.has("--live-only");
const contendersOnly = args.has("--contenders-only");
const signInOnly = args.has("--sign-in-only");
const oidcOnly = args.has("--oidc-only");
const acrossRuns = args.has("--across-runs");

const config = {
  connections: 20,
  readRounds: quick ? 2 : 8,
  turnSeconds: quick ? 2 : 4,
  warmupSeconds: quick ? 2 : 3,
  writeRounds: quick ? 1 : 3,
  writeSessions: 20,
  microBudgetMs: quick ? 500 : 1500,
  sessionsLarge: quick ? 100_000 : 1_000_000,
  sessionsSmall: 1_000,
  liveStreams: 1_000,
  liveSamples: quick ? 50 : 250,
  liveIdleSeconds: quick ? 2 : 6,
};

const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

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

/** Part 10: the OpenID Provider, on a Redis and servers of its own (with `--cpu-prof`, their CPU profiles). */
function measureOidc(): Promise<OidcResult> {
  const profileDir = join(benchDir, ".profiles");
  if (cpuProfile) mkdirSync(profileDir, { recursive: true });
  return runOidc({ quick, log, profileDir: cpuProfile ? profileDir : undefined });
}

/** Part 1: a private Redis, a connection for its statistics, and what the machine runs. */
async function startBenchRedis() {
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
  return { redis, stats, machine };
}

/** Part 2: the fixture app built and started on that Redis, and how to start another one like it. */
async function startFixtureApp(redisUrl: string, password: string, stats: Redis) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    REDIS_URL: redisUrl,
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
  /** One more `next start` of the fixture, with the same settings. */
  const startAnother = async () => startNext({ dir: benchDir, port: await freePort(), env, healthPath: "/plain" });
  return { env, server, base, nextPid, redisPid, profileDir, measure: measureWithCpu(nextPid, redisPid), startAnother };
}

/** A load run, with the CPU time the Next server and Redis spent on it (µs per response). */
function measureWithCpu(nextPid: number, redisPid: number) {
  return async (run: () => Promise<LoadResult>) => {
    const before = [cpuSeconds(nextPid), cpuSeconds(redisPid)];
    const result = await run();
    const after = [cpuSeconds(nextPid), cpuSeconds(redisPid)];
    return {
      ...result,
      nextCpu: (((after[0] as number) - (before[0] as number)) * 1e6) / result.responses,
      redisCpu: (((after[1] as number) - (before[1] as number)) * 1e6) / result.responses,
    };
  };
}

/** Cookies for the routes: minted here with the fixture's own options, as a sign-in would; each route checked to read one. */
async function fixtureCookies(redisUrl: string, password: string, base: string) {
  const mintClient = createRedisClient(redisUrl);
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
  return { mintIronlinkCookie, ironCookie };
}

/** Parts 1 and 2: a private Redis, the fixture app built and started on it, and the sessions its routes read. */
async function startFixture() {
  const password = randomBytes(32).toString("base64url");
  process.env.BENCH_SESSION_PASSWORD = password; // the micro-benchmarks and cookie minting use the fixture's options too
  const { redis, stats, machine } = await startBenchRedis();
  const app = await startFixtureApp(redis.url, password, stats);
  const cookies = await fixtureCookies(redis.url, password, app.base);
  return { password, redis, stats, machine, ...app, ...cookies };
}

type Fixture = Awaited<ReturnType<typeof startFixture>>;
type Measured = Awaited<ReturnType<Fixture["measure"]>>;
type Trace = Awaited<ReturnType<typeof traceCommands>>;
type RouteSummary = { rps: number; p50: number; p99: number; nextCpu: number; redisCpu: number };
interface Contender {
  name: string;
  path: string;
  cookie: string | undefined;
}
type Reads = Awaited<ReturnType<typeof measureReads>>;
type Writes = Awaited<ReturnType<typeof measureWrites>>;
type LaterParts = Awaited<ReturnType<typeof measureLaterParts>>;

async function main(): Promise<void> {
  installSignalHandlers();
  const startedAt = performance.now();
  const loadAtStart = loadAverage();
  const fixture = await startFixture();
  const reads = await measureReads(fixture);
  const writes = await measureWrites(fixture, reads.readTrace);
  const later = await measureLaterParts(fixture);
  const goals = fullGoals(reads, writes, later);
  const totalTime = () => `Total time: ${((performance.now() - startedAt) / 1000).toFixed(0)} s.`;
  console.log(fullReport(fixture.machine, loadAtStart, reads, writes, later, goals, totalTime).join("\n"));
  writeResults({
    machine: fixture.machine,
    config: { ...config, quick },
    turns: reads.turns,
    readSummary: reads.readSummary,
    ratioIron: reads.ratioIron,
    ratioPlain: reads.ratioPlain,
    commandsPerRead: reads.commandsPerRead,
    readDelta: [...reads.readDelta],
    writeTurns: writes.writeTurns,
    writeDelta: [...writes.writeDelta],
    readTrace: mapsToObject(reads.readTrace),
    writeTrace: mapsToObject(writes.writeTrace),
    signIn: signInFigures(later.signIn),
    micro: later.micro,
    memory: later.memory satisfies MemoryResult,
    live: later.live satisfies LiveResult,
    contenders: later.peers satisfies ContendersResult,
    oidc: later.oidc satisfies OidcResult,
    goals,
  });
  if (goals.some((g) => !g.pass)) process.exitCode = 1;
}

/** Warm-up: JIT, module loading, Redis connection, the verified-seal cache. */
async function warmUp({ base, ironCookie, mintIronlinkCookie }: Fixture): Promise<Contender[]> {
  log(`warm-up: ${config.warmupSeconds} s per route`);
  const contenders: Contender[] = [
    { name: "plain", path: "/plain", cookie: undefined },
    { name: "iron", path: "/iron", cookie: ironCookie },
    { name: "ironlink", path: "/ironlink", cookie: undefined },
  ];
  for (const c of contenders) {
    const cookie = c.name === "ironlink" ? await mintIronlinkCookie() : c.cookie;
    assertClean(`warm-up ${c.path}`, await load({ url: base + c.path, cookie, connections: config.connections, durationSeconds: config.warmupSeconds }));
  }
  await sleep(300); // nothing of the warm-up still in flight
  return contenders;
}

/** Part 3: the reads, interleaved, after a warm-up; their medians, and the Redis commands they cost. */
async function measureReads(fixture: Fixture) {
  const contenders = await warmUp(fixture);
  const { turns, readDelta, readsSent } = await readRounds(fixture, contenders);
  // Exact per-request commands from MONITOR, on a short sequential sample (never during a timed turn).
  const sampleCookie = await fixture.mintIronlinkCookie();
  await fetch(`${fixture.base}/ironlink`, { headers: { cookie: sampleCookie } });
  const readTrace = await traceCommands(fixture.redis.url, async () => {
    for (let i = 0; i < 100; i++) await fetch(`${fixture.base}/ironlink`, { headers: { cookie: sampleCookie } });
  });
  return { turns, readDelta, readsSent, readTrace, ...summarizeReads(turns, readDelta, readsSent) };
}

async function readRounds(fixture: Fixture, contenders: Contender[]) {
  log(`reads: ${config.readRounds} rounds × (plain, iron, ironlink, rotating) × ${config.turnSeconds} s, ${config.connections} connections`);
  const turns: Record<string, Measured[]> = { plain: [], iron: [], ironlink: [] };
  const readCommands: CommandCounts[] = [];
  let readsSent = 0;
  for (let round = 1; round <= config.readRounds; round++) {
    // The order rotates each round (A B C, B C A, C A B, …), so no route always follows the same one.
    for (const c of rotate(contenders, round - 1)) {
      const { result, commands } = await readTurn(fixture, c, round);
      if (commands) {
        readCommands.push(commands);
        readsSent += result.sent;
      }
      turns[c.name]?.push(result);
      log(
        `  round ${round} ${c.name.padEnd(8)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  ` +
          `CPU/req: next ${result.nextCpu.toFixed(0)} µs, redis ${result.redisCpu.toFixed(0)} µs`,
      );
    }
  }
  return { turns, readDelta: sumCounts(readCommands), readsSent };
}

/** One route's turn of a round; Ironlink's with a fresh session, and the Redis commands it cost. */
async function readTurn({ base, stats, measure, mintIronlinkCookie }: Fixture, c: Contender, round: number): Promise<{ result: Measured; commands?: CommandCounts }> {
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
  if (!before) return { result };
  await sleep(300); // requests still in flight when the turn ended finish their command
  return { result, commands: commandDelta(before, await commandStats(stats)) };
}

/** Medians over the rounds, per route and per round against each other, and Redis commands per read. */
function summarizeReads(turns: Record<string, Measured[]>, readDelta: CommandCounts, readsSent: number) {
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
  ) as Record<string, RouteSummary>;
  const perRound = (a: string, b: string) => (turns[a] ?? []).map((r, i) => r.rps / (turns[b]?.[i]?.rps as number));
  const ratioIron = median(perRound("ironlink", "iron"));
  const ratioPlain = median(perRound("ironlink", "plain"));
  const ironPlain = median(perRound("iron", "plain"));
  const commandsPerRead = total(readDelta) / readsSent;
  return { readSummary, perRound, ratioIron, ratioPlain, ironPlain, commandsPerRead };
}

/** Part 4. Writes: one session per connection (as real clients), so saves do not contend on one key. */
async function measureWrites(fixture: Fixture, readTrace: Trace) {
  const { base, redis } = fixture;
  log(`writes: POST /ironlink-save, ${config.writeRounds} × ${config.turnSeconds} s, ${config.writeSessions} sessions`);
  const writeCookies: string[] = [];
  for (let i = 0; i < config.writeSessions; i++) writeCookies.push(await fixture.mintIronlinkCookie(`u-writer-${i}`));
  assertClean(
    "warm-up /ironlink-save",
    await load({ url: `${base}/ironlink-save`, method: "POST", cookie: writeCookies, connections: config.writeSessions, durationSeconds: 2 }),
  );
  await sleep(300);
  const { writeTurns, writeDelta, writesSent } = await writeRounds(fixture, writeCookies);
  const writeTrace = await traceCommands(redis.url, async () => {
    for (let i = 0; i < 100; i++) await fetch(`${base}/ironlink-save`, { method: "POST", headers: { cookie: writeCookies[0] as string } });
  });
  const signInTrace = await traceCommands(redis.url, async () => {
    for (let i = 0; i < 10; i++) await fetch(`${base}/signin`, { method: "POST" });
  });
  const clientCommandsPerWrite = total(writeTrace.client) / 100;
  // A write request is a read (one GET: load the session) and then the save.
  const commandsPerSave = clientCommandsPerWrite - total(readTrace.client) / 100;
  return { writeTurns, writeDelta, writesSent, writeTrace, signInTrace, clientCommandsPerWrite, commandsPerSave };
}

async function writeRounds({ base, stats, measure }: Fixture, writeCookies: string[]) {
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
  return { writeTurns, writeDelta: sumCounts(writeCommands), writesSent };
}

/** Parts 5 to 10: sign-in on the fixture; then, its server stopped, the library, memory, live sign-out, the contenders and the OpenID Provider. */
async function measureLaterParts(fixture: Fixture) {
  const { base, nextPid, mintIronlinkCookie, ironCookie, startAnother, redis, password } = fixture;
  // 5. Sign-in: reads during a burst of sign-ins, and sign-ins while reads saturate (sign-in.ts).
  const signIn = await runSignIn({ base, nextPid, mintCookie: mintIronlinkCookie, ironCookie, startAnother, quick, connections: config.connections, log });

  await fixture.server.stop(); // frees both CPUs for the rest (and writes the CPU profile, with --cpu-prof)
  if (cpuProfile) log(`CPU profile of the Next server written to ${fixture.profileDir}`);

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

  // 10. The OpenID Provider: its Redis against oidc-provider's in-memory adapter, and a browser's hop.
  const oidc = await measureOidc();
  return { signIn, micro, memory, live, peers, oidc };
}

function fullGoals(reads: Reads, writes: Writes, { signIn, memory, live, peers, oidc }: LaterParts): Goal[] {
  const { ratioIron, ratioPlain, commandsPerRead, readDelta, readsSent, readTrace } = reads;
  const { commandsPerSave, writeTrace } = writes;
  return [
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
    ...signInGoals(signIn),
    {
      goal: `listSessions at ${fmtCount(memory.large.sessions)} / at ${fmtCount(memory.small.sessions)} (p50)`,
      measured: `${(memory.large.listing.p50 / memory.small.listing.p50).toFixed(2)}x (${memory.small.listing.p50.toFixed(0)} → ${memory.large.listing.p50.toFixed(0)} µs)`,
      target: "same (≤ 1.5x)",
      pass: memory.large.listing.p50 <= 1.5 * memory.small.listing.p50,
    },
    ...liveGoals(live),
    ...contenderGoals(peers),
    ...oidcGoals(oidc),
  ];
}

type Machine = Fixture["machine"];

function fullReport(machine: Machine, loadAtStart: string, reads: Reads, writes: Writes, later: LaterParts, goals: Goal[], totalTime: () => string): string[] {
  return [
    "",
    `## Ironlink bench${quick ? " (--quick: a smoke test, not a measurement)" : ""}`,
    "",
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, Redis ${machine.redis}, Next ${machine.next}, iron-session ${machine.ironSession}. ` +
      `Load average (1, 5, 15 min) at the start: ${loadAtStart}, at the end: ${loadAverage()}.`,
    "",
    ...readsSection(reads),
    "",
    ...writesSection(writes),
    "",
    ...signInReport(later.signIn),
    "",
    "### Library micro-benchmarks (no HTTP; one at a time, awaited)",
    "",
    table(["operation", "mean µs", "p50 µs", "p99 µs", "ops/s"], later.micro.map(microRow)),
    "",
    ...memorySection(later.memory),
    "",
    ...liveReport(later.live),
    "",
    ...contendersReport(later.peers),
    "",
    ...oidcReport(later.oidc),
    "",
    "### Goals",
    "",
    goalsTable(goals),
    "",
    totalTime(),
  ];
}

function readsSection({ readSummary, perRound, ratioIron, ratioPlain, ironPlain, commandsPerRead, readDelta, readsSent, readTrace }: Reads): string[] {
  const rows = (["plain", "iron", "ironlink"] as const).map((name) => {
    const s = readSummary[name] as RouteSummary;
    const vsPlain = name === "plain" ? 1 : median(perRound(name, "plain"));
    return [routeLabel(name), s.rps.toFixed(0), s.p50.toFixed(2), s.p99.toFixed(2), `${vsPlain.toFixed(2)}x`, s.nextCpu.toFixed(0), s.redisCpu.toFixed(0)];
  });
  return [
    `### Reads: GET, ${config.connections} connections, ${config.readRounds} rounds × ${config.turnSeconds} s per route, interleaved, order rotating (median over rounds)`,
    "",
    table(["route", "req/s", "p50 ms", "p99 ms", "vs plain", "Next CPU µs/req", "Redis CPU µs/req"], rows),
    "",
    `- ironlink / iron-session: ${ratioIron.toFixed(2)}x (per round: ${perRound("ironlink", "iron").map((r) => r.toFixed(2)).join(", ")})`,
    `- ironlink / plain: ${ratioPlain.toFixed(2)}x (per round: ${perRound("ironlink", "plain").map((r) => r.toFixed(2)).join(", ")}); iron-session / plain: ${ironPlain.toFixed(2)}x`,
    `- Redis commands per /ironlink read: ${commandsPerRead.toFixed(4)} (INFO commandstats over the ironlink turns: ${fmtCount(total(readDelta))} commands / ${fmtCount(readsSent)} requests sent; ${describeCounts(readDelta, readsSent)}); MONITOR, 100 sequential reads: ${describeCounts(readTrace.client, 100)}`,
  ];
}

function writesSection({ writeTurns, writeDelta, writesSent, writeTrace, signInTrace, clientCommandsPerWrite, commandsPerSave }: Writes): string[] {
  const w = (pick: (r: Measured) => number) => median(writeTurns.map(pick));
  return [
    `### Writes: POST /ironlink-save (read, change one field, save), ${config.writeSessions} sessions, one per connection`,
    "",
    table(
      ["route", "req/s", "p50 ms", "p99 ms", "Next CPU µs/req", "Redis CPU µs/req"],
      [["POST /ironlink-save", w((r) => r.rps).toFixed(0), ms(w((r) => r.p50)), ms(w((r) => r.p99)), w((r) => r.nextCpu).toFixed(0), w((r) => r.redisCpu).toFixed(0)]],
    ),
    "",
    `- Per write request, MONITOR (100 sequential): ${clientCommandsPerWrite.toFixed(2)} commands from the app (${describeCounts(writeTrace.client, 100)}), ` +
      `${(total(writeTrace.lua) / 100).toFixed(2)} run inside those scripts (${describeCounts(writeTrace.lua, 100)}). The save alone: ${commandsPerSave.toFixed(2)}.`,
    `- Per write request, INFO commandstats over the timed turns (scripts' inner commands included): ${(total(writeDelta) / writesSent).toFixed(2)} (${describeCounts(writeDelta, writesSent)})`,
    `- Per sign-in (new session + save), MONITOR: ${describeCounts(signInTrace.client, 10)}`,
  ];
}

function memorySection(memory: MemoryResult): string[] {
  return [
    "### Memory",
    "",
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
  ];
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

/** `--sign-in-only`: parts 1, 2 and 5. */
async function measureSignIn(): Promise<SignInResult> {
  const { base, nextPid, mintIronlinkCookie, ironCookie, startAnother } = await startFixture();
  return runSignIn({ base, nextPid, mintCookie: mintIronlinkCookie, ironCookie, startAnother, quick, connections: config.connections, log });
}

/** `--across-runs`: no measurement, the spread of the full runs already in bench/.results/. */
async function printAcrossRuns(): Promise<void> {
  const since = process.argv.find((arg) => arg.startsWith("--since="))?.slice("--since=".length);
  const runs = fullRuns(since);
  if (runs.length === 0) throw new Error(`no full run in bench/.results/${since ? ` since ${since}` : ""}: run \`npm run bench\` first`);
  console.log(acrossRunsReport(runs).join("\n"));
}

const run = acrossRuns
  ? printAcrossRuns()
  : liveOnly
  ? mainPart("live", measureLive, liveReport, liveGoals)
  : signInOnly
    ? mainPart("signIn", measureSignIn, signInReport, signInGoals)
    : contendersOnly
    ? mainPart("contenders", () => measureContenders(!skipBuild), contendersReport, contenderGoals)
    : oidcOnly
    ? mainPart("oidc", measureOidc, oidcReport, oidcGoals)
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
