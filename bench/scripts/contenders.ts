/**
 * Contenders (issue 15): Ironlink's real app against the session layers a user would pick instead, each
 * built and started as it ships, all on one private Redis, measured side by side in one run:
 *
 *   app-one           apps/one: its production build under its start script (`ironlink-next start`), its
 *                     proxy and everything; GET /api/session;
 *   next-iron         bench/peers/next-iron: a bare Next 16 app, stateless iron-session 8 in one route;
 *   express-session   bench/peers/express: express-session + connect-redis (node-redis) in Express 5,
 *                     resave: false, saveUninitialized: false;
 *   express-ironlink  the same Express app and process, @ironlink/express on another mount path.
 *
 * Each at 1, 4 and 16 kB of session data (a padding field): reads (GET /api/session) and writes (change one
 * field, save). App one has no such write, so Ironlink-on-Next writes go to the fixture's POST
 * /ironlink-save (the same library on the same Next, `next start`). Turns interleave, the order rotating
 * every round; per turn: req/s and latency (autocannon), the server's CPU (/proc), Redis's CPU (INFO cpu)
 * and its commands (INFO commandstats), per request. Goal: app one's read ≥ 1.0x the bare Next one (1 kB).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createSessionManager } from "@ironlink/session";
import { createFleet, type Fleet } from "@ironlink/session/fleet";

type FleetSessionData = Fleet.SessionData;
import { createRedisClient, RedisStore } from "@ironlink/session/redis";
import { startRedis } from "@ironlink/testing";
import { getIronSession } from "iron-session";
import { Redis } from "ioredis";
import { type BenchSessionData, benchPassword, ironCookieName, ironlinkCookieName, ironlinkOptions, keyPrefix, sessionData } from "../lib/fixture";
import { MemoryCookies } from "./cookie-store";
import { assertClean, load } from "./http";
import { cpuSeconds, freePort, onCleanup } from "./processes";
import { type CommandCounts, commandDelta, describeCounts, infoField, redisSample } from "./redis-stats";
import { type Goal, packageVersion, resultsFile, table } from "./report";
import { benchDir, ensureAppOneBuild, fleetEnv, mintSession, nextBuild, repoRoot, type Server, startAppOne, startNext, startServer } from "./servers";
import { type BarChart, barChartsSvg } from "./svg-plot";
import { median, rotate, sleep, spread } from "./timing";

export function contendersConfig(quick: boolean) {
  return {
    connections: 20,
    /** Writes: one session per connection, as real clients, so saves do not contend on one key. */
    writeSessions: 20,
    /** Bytes of session data (JSON), padding included. */
    sizes: [1024, 4096, 16384],
    readRounds: quick ? 1 : 5,
    writeRounds: quick ? 1 : 3,
    turnSeconds: quick ? 1 : 3,
    warmupSeconds: quick ? 1 : 2,
  };
}
type Config = ReturnType<typeof contendersConfig>;

const names = ["app-one", "next-iron", "express-session", "express-ironlink"] as const;
type Name = (typeof names)[number];
type Phase = "read" | "write";

const describe: Record<Name, { label: string; short: string; color: string; write: string }> = {
  "app-one": { label: "Ironlink: app one (Next 16, ironlink-next start)", short: "Ironlink app one (Next)", color: "#2563eb", write: "fixture's POST /ironlink-save (next start)" },
  "next-iron": { label: "iron-session 8, stateless (bare Next 16)", short: "iron-session (bare Next)", color: "#f59e0b", write: "POST /api/session/save (new cookie)" },
  "express-session": { label: "express-session + connect-redis (Express 5)", short: "express-session + connect-redis", color: "#059669", write: "POST /express-session/api/session/save" },
  "express-ironlink": { label: "@ironlink/express (same Express 5 app)", short: "@ironlink/express", color: "#7c3aed", write: "POST /ironlink/api/session/save" },
};

/** A contender's name as the tables print it. */
export const contenderName = (name: Name): string => describe[name].short;

/** Where a turn sends its load and which server process answers it; `mint` makes a session holding `data`. */
interface Target {
  url: string;
  method: "GET" | "POST";
  server: Server;
  /** The Cookie header of a new session, or undefined when the contender cannot hold that much data. */
  mint(data: PaddedData): Promise<string | undefined>;
}

interface Contender {
  name: Name;
  read: Target;
  write: Target;
  /** Ironlink: every read turn gets a session minted just before it, so no read is due an idle extension. */
  freshReads: boolean;
}

type PaddedData = BenchSessionData & { padding: string };

export interface Turn {
  round: number;
  rps: number;
  p50: number;
  p99: number;
  sent: number;
  responses: number;
  /** µs of CPU per response: the answering server process, and Redis (net of its idle rate, see redisIdleCpu). */
  serverCpu: number;
  redisCpu: number;
  /** Redis's CPU per response as INFO cpu counts it, its idle work included. */
  redisCpuGross: number;
  commands: Record<string, number>;
}

export interface Row {
  name: Name;
  phase: Phase;
  bytes: number;
  /** Undefined: the contender cannot hold this much data (iron-session: the cookie limit). */
  turns?: Turn[];
  rps: number;
  p50: number;
  p99: number;
  serverCpu: number;
  redisCpu: number;
  /** Commands per request sent, all rounds together, and the same by command. */
  commandsPerRequest: number;
  commands: Record<string, number>;
  /** Median over rounds of this turn's req/s / app one's in the same round (same phase and size). */
  vsAppOne: number;
}

export interface ContendersResult {
  config: Config;
  versions: Record<string, string>;
  /** µs of CPU per second Redis spends with every server idle (its timers, app one's heartbeat), left out of redisCpu. */
  redisIdleCpu: number;
  /** Largest session data (JSON bytes) iron-session saves, and its cookie (name=value) at that size. */
  ironSessionLimit: { maxBytes: number; cookieChars: number };
  rows: Row[];
  /** app one / bare Next iron-session, GET /api/session at the smallest size, per round. */
  goalPerRound: number[];
  goalRatio: number;
  plotPath: string;
}

type Log = (message: string) => void;

export async function runContenders({ quick, skipBuild, buildFixture, log }: { quick: boolean; skipBuild: boolean; buildFixture: boolean; log: Log }): Promise<ContendersResult> {
  const config = contendersConfig(quick);
  process.env.BENCH_SESSION_PASSWORD ??= randomBytes(32).toString("base64url"); // iron-session, express-session, the fixture
  const redis = await startRedis();
  onCleanup(() => redis.stop());
  const stats = new Redis(redis.url);
  stats.on("error", () => {});
  onCleanup(() => stats.disconnect());
  const contenders = await startContenders(redis.url, { skipBuild, buildFixture, log });
  const versions = {
    node: process.version,
    "redis-server": await infoField(stats, "server", "redis_version"),
    ...Object.fromEntries(["next", "iron-session", "express", "express-session", "connect-redis", "redis"].map((name) => [name, packageVersion(name)])),
  };
  const ironSessionLimit = await findIronSessionLimit();
  log(`contenders: iron-session saves at most ${ironSessionLimit.maxBytes} bytes of data (cookie ${ironSessionLimit.cookieChars} characters)`);

  const cookies = await prepare(contenders, config, log);
  const redisIdleCpu = await idleCpuRate(stats, config.warmupSeconds);
  log(`contenders: Redis idle: ${redisIdleCpu.toFixed(0)} µs of CPU per second`);
  const measure = (phase: Phase) => runPhase(phase, contenders, cookies, config, { stats, redisIdleCpu }, log);
  const turns = { read: await measure("read"), write: await measure("write") };
  const rows = (["read", "write"] as const).flatMap((phase) => config.sizes.flatMap((bytes) => names.map((name) => summarize(turns[phase], phase, name, bytes))));
  const goalPerRound = perRoundRatio(turns.read, "app-one", "next-iron", config.sizes[0] as number);
  const result: ContendersResult = {
    config,
    versions,
    redisIdleCpu,
    ironSessionLimit,
    rows,
    goalPerRound,
    goalRatio: median(goalPerRound),
    plotPath: quick ? resultsFile("contenders", "svg") : join(repoRoot, "docs", "benchmarks", "contenders.svg"),
  };
  mkdirSync(dirname(result.plotPath), { recursive: true });
  writeFileSync(result.plotPath, contendersSvg(result));
  log(`contenders: plot written to ${result.plotPath}`);
  for (const server of new Set(contenders.flatMap((c) => [c.read.server, c.write.server]))) await server.stop();
  return result;
}

/** Builds (as needed) and starts every contender's server on `redisUrl`; this process mints their sessions. */
async function startContenders(redisUrl: string, { skipBuild, buildFixture, log }: { skipBuild: boolean; buildFixture: boolean; log: Log }): Promise<Contender[]> {
  const [appOnePort, nextIronPort, expressPort, fixturePort] = [await freePort(), await freePort(), await freePort(), await freePort()] as number[];
  const expressOrigin = `http://127.0.0.1:${expressPort}`;
  const fleet = fleetEnv(redisUrl, `http://127.0.0.1:${appOnePort}`, [expressOrigin]);
  const peerEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", REDIS_URL: redisUrl, BENCH_SESSION_PASSWORD: benchPassword() };
  const nextIronDir = join(benchDir, "peers", "next-iron");

  ensureAppOneBuild({ skipBuild, log, also: ["@ironlink/express"] });
  const built = (dir: string) => existsSync(join(dir, ".next", "BUILD_ID"));
  if (!skipBuild || !built(nextIronDir)) await nextBuild(nextIronDir, peerEnv, "bare Next + iron-session peer", log);
  if (buildFixture || !built(benchDir)) await nextBuild(benchDir, peerEnv, "bench fixture, for Ironlink-on-Next writes", log);

  // One after the other: each start has both CPUs to itself.
  const appOne = await startAppOne(appOnePort as number, fleet);
  const nextIron = await startNext({ dir: nextIronDir, port: nextIronPort as number, env: peerEnv, healthPath: "/api/session", readyStatus: 401 });
  const express = await startServer({
    port: expressPort as number,
    cwd: join(benchDir, "peers", "express"),
    args: ["server.js"],
    env: { ...fleet, PORT: String(expressPort), BENCH_SESSION_PASSWORD: benchPassword() },
    healthPath: "/health",
  });
  const fixture = await startNext({ dir: benchDir, port: fixturePort as number, env: peerEnv, healthPath: "/plain" });
  log(`contenders: app one ${appOne.origin} (pid ${appOne.pid}), bare Next ${nextIron.origin} (pid ${nextIron.pid}), Express ${express.origin} (pid ${express.pid}), fixture ${fixture.origin} (pid ${fixture.pid})`);

  // This process is another app of the fleet (the same settings), as the sign-in app writes sessions.
  const member = createFleet({ appName: "bench", env: fleet });
  onCleanup(() => member.close().catch(() => {}));
  const mintFleet = async (data: PaddedData) => (await mintSession(member.sessions, member.config.cookieName, data as FleetSessionData)).cookie;
  const fixtureClient = createRedisClient(redisUrl);
  onCleanup(() => fixtureClient.disconnect());
  const fixtureSessions = createSessionManager<BenchSessionData>(ironlinkOptions({ store: new RedisStore({ client: fixtureClient, prefix: keyPrefix }) }));
  const mintFixture = async (data: PaddedData) => (await mintSession(fixtureSessions, ironlinkCookieName, data)).cookie;
  const mintExpressSession = (data: PaddedData) => expressSessionCookie(express.origin, data);

  const target = (server: Server, path: string, method: "GET" | "POST", mint: Target["mint"]): Target => ({ url: server.origin + path, method, server, mint });
  return [
    { name: "app-one", freshReads: true, read: target(appOne, "/api/session", "GET", mintFleet), write: target(fixture, "/ironlink-save", "POST", mintFixture) },
    { name: "next-iron", freshReads: false, read: target(nextIron, "/api/session", "GET", ironSessionCookie), write: target(nextIron, "/api/session/save", "POST", ironSessionCookie) },
    {
      name: "express-session",
      freshReads: false,
      read: target(express, "/express-session/api/session", "GET", mintExpressSession),
      write: target(express, "/express-session/api/session/save", "POST", mintExpressSession),
    },
    {
      name: "express-ironlink",
      freshReads: true,
      read: target(express, "/ironlink/api/session", "GET", mintFleet),
      write: target(express, "/ironlink/api/session/save", "POST", mintFleet),
    },
  ];
}

/** The session data of the other parts (what the apps keep: user, sign-in time and app, User-Agent), padded to `bytes` of JSON. */
export function paddedData(user: string, bytes: number): PaddedData {
  const data = { ...sessionData({ id: user, username: user }), padding: "" };
  const missing = Math.max(0, bytes - JSON.stringify(data).length);
  data.padding = randomBytes(missing).toString("base64url").slice(0, missing); // no character JSON escapes
  return data;
}

/** A stateless iron-session cookie as its save() makes it, or undefined when save() refuses it as too big. */
async function ironSessionCookie(data: PaddedData): Promise<string | undefined> {
  const cookies = new MemoryCookies();
  // `as never`: iron-session's cookie store type also wants set(options), which save() does not call.
  const session = await getIronSession<PaddedData>(cookies as never, { password: benchPassword(), cookieName: ironCookieName });
  Object.assign(session, data);
  try {
    await session.save();
  } catch (error) {
    if (error instanceof Error && error.message.includes("Cookie length is too big")) return undefined;
    throw error;
  }
  return `${ironCookieName}=${cookies.get(ironCookieName)?.value}`;
}

/** The largest session data iron-session's save() accepts (it refuses a cookie over 4096 bytes), by bisection. */
async function findIronSessionLimit(): Promise<{ maxBytes: number; cookieChars: number }> {
  let fits = 0;
  let tooBig = 16_384;
  while (tooBig - fits > 1) {
    const bytes = Math.floor((fits + tooBig) / 2);
    if (await ironSessionCookie(paddedData("limit", bytes))) fits = bytes;
    else tooBig = bytes;
  }
  return { maxBytes: fits, cookieChars: (await ironSessionCookie(paddedData("limit", fits)))?.length ?? 0 };
}

/** express-session's sign-in route (no password check) writes the session; its Set-Cookie carries the signed id. */
async function expressSessionCookie(origin: string, data: PaddedData): Promise<string> {
  const response = await fetch(`${origin}/express-session/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(data) });
  const cookie = response.headers.getSetCookie()[0]?.split(";")[0];
  if (!response.ok || !cookie) throw new Error(`express-session sign-in: ${response.status} ${await response.text()}`);
  return cookie;
}

/** Per phase, contender and size: the cookies of its turns (undefined: cannot hold that much data). */
type Cookies = Record<Phase, Map<string, string[] | undefined>>;
const key = (name: Name, bytes: number) => `${name}@${bytes}`;

/** Sessions for every turn, and a warm-up of every contender at every size (JIT, connections, caches). */
async function prepare(contenders: Contender[], config: Config, log: Log): Promise<Cookies> {
  log(`contenders: warm-up, ${config.warmupSeconds} s per contender, size and phase`);
  const cookies: Cookies = { read: new Map(), write: new Map() };
  for (const bytes of config.sizes) {
    for (const c of contenders) {
      const reader = await c.read.mint(paddedData(`${c.name}-reader`, bytes));
      const writers: string[] = [];
      for (let i = 0; reader && i < config.writeSessions; i++) writers.push((await c.write.mint(paddedData(`${c.name}-writer-${i}`, bytes))) as string);
      cookies.read.set(key(c.name, bytes), reader === undefined ? undefined : [reader]);
      cookies.write.set(key(c.name, bytes), reader === undefined ? undefined : writers);
      if (reader === undefined) continue;
      for (const [target, cookie] of [[c.read, reader], [c.write, writers]] as const) {
        const result = await load({ url: target.url, method: target.method, cookie, connections: config.connections, durationSeconds: config.warmupSeconds });
        assertClean(`warm-up ${c.name} ${target.method} ${target.url} ${kb(bytes)}`, result);
      }
    }
  }
  await sleep(300);
  return cookies;
}

type Turns = Map<string, Turn[]>;

/** Every contender at every size, `rounds` times; within a size the order rotates each round. */
async function runPhase(phase: Phase, contenders: Contender[], cookies: Cookies, config: Config, redis: RedisWatch, log: Log): Promise<Turns> {
  const rounds = phase === "read" ? config.readRounds : config.writeRounds;
  log(`contenders: ${phase}s, ${rounds} rounds × ${config.sizes.length} sizes × (contenders, rotating) × ${config.turnSeconds} s, ${config.connections} connections`);
  const turns: Turns = new Map();
  for (let round = 1; round <= rounds; round++) {
    for (const bytes of config.sizes) {
      const present = contenders.filter((c) => cookies[phase].get(key(c.name, bytes)));
      for (const c of rotate(present, round - 1)) {
        const target = c[phase];
        const cookie = phase === "read" && c.freshReads ? await freshSession(c.read, bytes) : (cookies[phase].get(key(c.name, bytes)) as string[]);
        const turn = await measureTurn(redis, target, cookie, config, round);
        turns.set(key(c.name, bytes), [...(turns.get(key(c.name, bytes)) ?? []), turn]);
        log(
          `  ${phase} round ${round} ${kb(bytes).padStart(5)} ${c.name.padEnd(16)} ${turn.rps.toFixed(0).padStart(6)} req/s  p50 ${turn.p50.toFixed(2)} ms  p99 ${turn.p99.toFixed(2)} ms  ` +
            `CPU/req: server ${turn.serverCpu.toFixed(0)} µs, redis ${turn.redisCpu.toFixed(0)} µs; redis commands/req ${(sum(turn.commands) / turn.sent).toFixed(2)}`,
        );
      }
    }
  }
  return turns;
}

/** A session younger than touchInterval, read once (its first read unseals; the turn reads it warm). */
async function freshSession(target: Target, bytes: number): Promise<string[]> {
  const cookie = (await target.mint(paddedData("fresh-reader", bytes))) as string;
  await fetch(target.url, { headers: { cookie } });
  await sleep(100);
  return [cookie];
}

/** The bench's own connection to the contenders' Redis, and what Redis spends idle (µs of CPU per second). */
interface RedisWatch {
  stats: Redis;
  redisIdleCpu: number;
}

/** Redis's CPU µs per second over `seconds` with every server idle. */
async function idleCpuRate(stats: Redis, seconds: number): Promise<number> {
  const before = await redisSample(stats);
  const startedAt = performance.now();
  await sleep(seconds * 1000);
  const after = await redisSample(stats);
  return ((after.cpuSeconds - before.cpuSeconds) * 1e6) / ((performance.now() - startedAt) / 1000);
}

async function measureTurn({ stats, redisIdleCpu }: RedisWatch, target: Target, cookie: string[], config: Config, round: number): Promise<Turn> {
  const before = await redisSample(stats);
  const startedAt = performance.now();
  const serverBefore = cpuSeconds(target.server.pid);
  const result = await load({ url: target.url, method: target.method, cookie, connections: config.connections, durationSeconds: config.turnSeconds });
  await sleep(300); // requests still in flight when the turn ended finish their commands
  const after = await redisSample(stats);
  const elapsed = (performance.now() - startedAt) / 1000;
  const serverCpu = ((cpuSeconds(target.server.pid) - serverBefore) * 1e6) / result.responses;
  const redisCpuGross = ((after.cpuSeconds - before.cpuSeconds) * 1e6) / result.responses;
  assertClean(`${target.method} ${target.url} round ${round}`, result);
  return {
    round,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    sent: result.sent,
    responses: result.responses,
    serverCpu,
    redisCpu: Math.max(0, redisCpuGross - (redisIdleCpu * elapsed) / result.responses),
    redisCpuGross,
    commands: Object.fromEntries(commandDelta(before.commands, after.commands)),
  };
}

function summarize(turns: Turns, phase: Phase, name: Name, bytes: number): Row {
  const own = turns.get(key(name, bytes));
  const pick = (f: (t: Turn) => number) => (own ? median(own.map(f)) : Number.NaN);
  const sent = own?.reduce((s, t) => s + t.sent, 0) ?? 0;
  const commands: Record<string, number> = {};
  for (const t of own ?? []) for (const [command, calls] of Object.entries(t.commands)) commands[command] = (commands[command] ?? 0) + calls;
  return {
    name,
    phase,
    bytes,
    turns: own,
    rps: pick((t) => t.rps),
    p50: pick((t) => t.p50),
    p99: pick((t) => t.p99),
    serverCpu: pick((t) => t.serverCpu),
    redisCpu: pick((t) => t.redisCpu),
    commandsPerRequest: sum(commands) / sent,
    commands: Object.fromEntries(Object.entries(commands).map(([command, calls]) => [command, calls / sent])),
    vsAppOne: median(perRoundRatio(turns, name, "app-one", bytes)),
  };
}

/** req/s of `a` / req/s of `b` in each round, at one size (neighbouring turns of one phase). */
function perRoundRatio(turns: Turns, a: Name, b: Name, bytes: number): number[] {
  const of = turns.get(key(b, bytes)) ?? [];
  return (turns.get(key(a, bytes)) ?? []).map((t) => t.rps / (of.find((o) => o.round === t.round)?.rps ?? Number.NaN));
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((s, n) => s + n, 0);
const kb = (bytes: number) => `${bytes / 1024} kB`;
const fixed = (digits: number) => (value: number) => value.toFixed(digits);
/** Commands seen less than once per 200 requests: background (app one's sign-in heartbeat, a SET every 5 s), not the request's. */
const perRequestCommands = (row: Row) => describeCounts(new Map(Object.entries(row.commands).filter(([, perRequest]) => perRequest >= 0.005)) as CommandCounts, 1) || "none";

export function contenderGoals(r: ContendersResult): Goal[] {
  return [
    {
      goal: `app one GET /api/session / bare Next iron-session (req/s, ${kb(r.config.sizes[0] as number)})`,
      measured: `${r.goalRatio.toFixed(2)}x`,
      target: "≥ 1.00x",
      pass: r.goalRatio >= 1,
    },
  ];
}

/** The report's "Contenders" section (Markdown, ready to paste into docs/benchmarks.md). */
export function contendersReport(r: ContendersResult): string[] {
  const c = r.config;
  const v = r.versions;
  const notHeld = "n/a (cookie limit)";
  const rowCells = (row: Row, phase: Phase) => {
    const label = phase === "write" ? `${describe[row.name].short}: ${describe[row.name].write}` : describe[row.name].label;
    if (!row.turns) return [label, kb(row.bytes), notHeld, "-", "-", "-", "-", "-", "-", "-", "-"];
    return [
      label,
      kb(row.bytes),
      row.rps.toFixed(0),
      spread(row.turns.map((t) => t.rps), fixed(0)),
      row.p50.toFixed(2),
      row.p99.toFixed(2),
      spread(row.turns.map((t) => t.p99), fixed(1)),
      `${row.vsAppOne.toFixed(2)}x`,
      row.serverCpu.toFixed(0),
      row.redisCpu.toFixed(0),
      row.commandsPerRequest.toFixed(2),
    ];
  };
  const header = (what: string) => ["contender", "data", "req/s", "req/s min–max", "p50 ms", "p99 ms", "p99 min–max", "vs app one", "server CPU µs/req", "Redis CPU µs/req", `Redis commands/${what}`];
  const phaseTable = (phase: Phase) => table(header(phase), r.rows.filter((row) => row.phase === phase).map((row) => rowCells(row, phase)));
  const byCommand = (phase: Phase) =>
    names
      .map((name) => r.rows.find((row) => row.phase === phase && row.name === name && row.turns))
      .filter((row): row is Row => row !== undefined)
      .map((row) => `${describe[row.name].short} ${perRequestCommands(row)}`)
      .join("; ");
  return [
    `### Contenders: GET /api/session and a write, ${c.connections} connections, ${c.readRounds} rounds (writes: ${c.writeRounds}) × ${c.turnSeconds} s per contender and size, interleaved, order rotating (median over rounds; min–max)`,
    "",
    `Node ${v.node}, Redis ${v["redis-server"]}, Next ${v.next}, iron-session ${v["iron-session"]}, Express ${v.express}, express-session ${v["express-session"]}, connect-redis ${v["connect-redis"]} (node-redis ${v.redis}). Data: the apps' session fields plus a padding field, JSON of the size given.`,
    "",
    "#### Reads",
    "",
    phaseTable("read"),
    "",
    "#### Writes (read, change one field, save)",
    "",
    phaseTable("write"),
    "",
    `- Redis commands per read (INFO commandstats / requests sent, ${kb(c.sizes[0] as number)}): ${byCommand("read")}`,
    `- Redis commands per write (scripts' inner commands included): ${byCommand("write")}`,
    `- Redis CPU per request leaves out what Redis spends idle, measured with every server idle: ${r.redisIdleCpu.toFixed(0)} µs per second (its timers, app one's heartbeat); the JSON has the gross figures too.`,
    `- iron-session: the largest session data its save() accepts is ${r.ironSessionLimit.maxBytes} bytes of JSON (cookie name=value ${r.ironSessionLimit.cookieChars} characters); above it save() throws "Cookie length is too big" (its check: name + seal + options over 4096).`,
    `- app one / bare Next iron-session (GET /api/session, ${kb(c.sizes[0] as number)}): ${r.goalRatio.toFixed(2)}x (per round: ${r.goalPerRound.map(fixed(2)).join(", ")})`,
    `- Plot: ${r.plotPath.replace(`${repoRoot}/`, "")}`,
  ];
}

/** Throughput and p99 per contender and size, reads above writes. */
function contendersSvg(r: ContendersResult): string {
  const chart = (phase: Phase, title: string, yLabel: string, value: (row: Row) => number, format: (n: number) => string): BarChart => ({
    title,
    yLabel,
    format,
    groups: r.config.sizes.map((bytes) => `${kb(bytes)} of session data`),
    missingLabel: "n/a (cookie limit)",
    series: names.map((name) => ({
      name: describe[name].short,
      color: describe[name].color,
      values: r.config.sizes.map((bytes) => {
        const row = r.rows.find((x) => x.phase === phase && x.name === name && x.bytes === bytes);
        return row?.turns ? value(row) : undefined;
      }),
    })),
  });
  const rps = (row: Row) => row.rps;
  const p99 = (row: Row) => row.p99;
  return barChartsSvg(
    [
      [chart("read", "Reads: GET /api/session, req/s (higher is better)", "requests per second", rps, fixed(0)), chart("read", "Reads: p99 latency (lower is better)", "ms", p99, fixed(1))],
      [chart("write", "Writes: change one field, save; req/s (Ironlink on Next: fixture)", "requests per second", rps, fixed(0)), chart("write", "Writes: p99 latency", "ms", p99, fixed(1))],
    ],
    {
      caption: `Median over ${r.config.readRounds} rounds (writes ${r.config.writeRounds}) of ${r.config.turnSeconds} s, ${r.config.connections} connections, turns interleaved; Node ${r.versions.node}, ${new Date().toISOString().slice(0, 10)}. npm run bench -- --contenders-only`,
    },
  );
}
