/**
 * Part 10, the OpenID Provider (issue 25), alone with `--oidc-only`. Two provider servers (bench/oidc/server.ts),
 * each a process of its own, built the same way on one private Redis:
 *
 *   redis    `createOidcProvider(fleet)` as it ships: its records (codes, tokens, grants) on the fleet's Redis;
 *   memory   oidc-provider configured like it (bench/oidc/memory-provider.ts) on oidc-provider's own
 *            in-memory adapter: the store taken out of the figure.
 *
 * 1. Token endpoint throughput, side by side, turns alternating and the order rotating every round: per batch,
 *    codes minted (fresh fleet sessions, each browser's first sign-in to the client: outside the timing),
 *    then the timed exchanges at a fixed concurrency (codes/s), then the timed refresh_token grants with the
 *    refresh tokens they gave (refreshes/s). Goal: redis ≥ 0.8x memory, for both (median of the rounds).
 * 2. A signed-in browser's whole hop, one at a time: GET /oidc/auth → /oidc/interaction/… → /oidc/auth/… →
 *    code → POST /oidc/token, its server time (the server's own clock, per step), beside one read of the
 *    fleet session by the same server (GET /session). The issue sets no target; the bench's own: p95 ≤ 50 ms.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { startRedis } from "@ironlink/testing";
import { createFleet, type Fleet } from "@ironlink/session/fleet";
import { Redis } from "ioredis";
import { authorize, Browser, exchangeCode, type IssuedCode, inPool, type RelyingParty, refresh, send, type Tokens } from "./oidc-browser";
import { cpuSeconds, freePort, onCleanup } from "./processes";
import { type CommandCounts, commandDelta, describeCounts, infoField, redisSample, total, traceCommands } from "./redis-stats";
import { type Goal, packageVersion, table } from "./report";
import { benchDir, mintSession, type Server, startServer } from "./servers";
import { median, percentile, rotate, sleep } from "./timing";

export function oidcConfig(quick: boolean) {
  return {
    rounds: quick ? 2 : 6,
    batchesPerTurn: quick ? 2 : 6,
    /**
     * oidc-provider's memory adapter is an LRU of 1,000 entries, and each code leaves ~9 (interaction,
     * session and its uid, grant and its members, code, access and refresh tokens, the refresh's access
     * token): a batch must fit, or its codes are gone before their exchange.
     */
    codesPerBatch: 80,
    /** Token requests in flight at once (a handful of relying parties' workers). */
    concurrency: 8,
    /** Browsers signing in at once while codes are minted (untimed). */
    mintConcurrency: 8,
    warmupBatches: quick ? 1 : 2,
    hopSamples: quick ? 60 : 300,
  };
}
type OidcConfig = ReturnType<typeof oidcConfig>;

const kinds = ["redis", "memory"] as const;
type Kind = (typeof kinds)[number];
const label: Record<Kind, string> = { redis: "Ironlink provider, fleet adapter on Redis", memory: "oidc-provider, its in-memory adapter" };

/** What a phase (the exchanges, or the refreshes) of one turn cost. */
export interface PhaseFigures {
  requests: number;
  perSecond: number;
  /** Milliseconds per request as the relying party saw it, at `concurrency` in flight. */
  p50: number;
  p99: number;
  /** µs of CPU per request: the provider's process, and Redis. */
  serverCpu: number;
  redisCpu: number;
  /** Redis commands per request (INFO commandstats). */
  commandsPerRequest: number;
  commands: Record<string, number>;
}

export interface TokenTurn {
  kind: Kind;
  round: number;
  codes: PhaseFigures;
  refresh: PhaseFigures;
}

export interface Percentiles {
  p50: number;
  p95: number;
}

/** The hop's server time, ms: each step, their sum per sample, the client's wall clock, and a session read. */
export interface HopFigures {
  samples: number;
  steps: Record<"authorize" | "interaction" | "resume" | "token", Percentiles>;
  total: Percentiles;
  clientTotal: Percentiles;
  sessionRead: Percentiles;
}

export interface OidcResult {
  config: OidcConfig;
  versions: Record<string, string>;
  turns: TokenTurn[];
  /** redis / memory per round: codes/s, refreshes/s; and their medians. */
  codeRatios: number[];
  refreshRatios: number[];
  codeRatio: number;
  refreshRatio: number;
  /** MONITOR over sequential requests to the Redis provider: commands per exchange and per refresh. */
  exchangeTrace: { client: Record<string, number>; lua: Record<string, number>; samples: number };
  refreshTrace: { client: Record<string, number>; lua: Record<string, number>; samples: number };
  hop: Record<Kind, HopFigures>;
}

type Log = (message: string) => void;

interface Contender {
  kind: Kind;
  server: Server;
  rp: RelyingParty;
}

/** The servers, the Redis they share and the way to new signed-in browsers: what every step below uses. */
interface Bench {
  contenders: Contender[];
  redisUrl: string;
  stats: Redis;
  /** A browser holding a new fleet session of a new person (written here, as the sign-in page would). */
  newBrowser(): Promise<Browser>;
}

/** `profileDir`: each provider server writes a CPU profile there when it stops (`--cpu-prof`). */
export async function runOidc({ quick, log, profileDir }: { quick: boolean; log: Log; profileDir?: string }): Promise<OidcResult> {
  const config = oidcConfig(quick);
  const bench = await startOidcBench(log, profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []);
  const versions = {
    node: process.version,
    "redis-server": await infoField(bench.stats, "server", "redis_version"),
    "oidc-provider": packageVersion("oidc-provider"),
  };
  log(`oidc: warm-up, ${config.warmupBatches} batch(es) of ${config.codesPerBatch} codes per provider`);
  for (const contender of bench.contenders) await tokenTurn(bench, contender, config, 0, config.warmupBatches);
  const turns = await tokenRounds(bench, config, log);
  const ratiosOf = (pick: (t: TokenTurn) => number) =>
    Array.from({ length: config.rounds }, (_, i) => {
      const of = (kind: Kind) => turns.find((t) => t.kind === kind && t.round === i + 1) as TokenTurn;
      return pick(of("redis")) / pick(of("memory"));
    });
  const codeRatios = ratiosOf((t) => t.codes.perSecond);
  const refreshRatios = ratiosOf((t) => t.refresh.perSecond);
  const { exchangeTrace, refreshTrace } = await traceTokenRequests(bench, 20);
  const hop = {} as Record<Kind, HopFigures>;
  for (const contender of bench.contenders) hop[contender.kind] = await measureHop(bench, contender, config.hopSamples, log);
  for (const contender of bench.contenders) await contender.server.stop();
  return { config, versions, turns, codeRatios, refreshRatios, codeRatio: median(codeRatios), refreshRatio: median(refreshRatios), exchangeTrace, refreshTrace, hop };
}

/** A private Redis, a signing key and a client, the two provider servers on them, and this process as a member of the fleet. */
async function startOidcBench(log: Log, nodeArgs: string[]): Promise<Bench> {
  const redis = await startRedis();
  onCleanup(() => redis.stop());
  const stats = new Redis(redis.url);
  stats.on("error", () => {});
  onCleanup(() => stats.disconnect());
  const ports = { redis: await freePort(), memory: await freePort() };
  const origins = { redis: `http://127.0.0.1:${ports.redis}`, memory: `http://127.0.0.1:${ports.memory}` };
  const { env, client } = providerEnv(redis.url, Object.values(origins));
  const contenders: Contender[] = [];
  for (const kind of kinds) {
    // One after the other: each start has both CPUs to itself.
    const server = await startServer({
      port: ports[kind],
      cwd: benchDir,
      args: ["--import", "tsx", "oidc/server.ts"],
      env: { ...env, PORT: String(ports[kind]), LOGIN_URL: origins[kind], BENCH_OIDC_STORE: kind },
      healthPath: "/health",
      nodeArgs,
    });
    contenders.push({ kind, server, rp: { issuer: origins[kind], ...client } });
    log(`oidc: ${label[kind]} at ${server.origin} (pid ${server.pid})`);
  }
  const member = createFleet({ appName: "bench", env: { ...env, LOGIN_URL: origins.redis } });
  onCleanup(() => member.close().catch(() => {}));
  let people = 0;
  const newBrowser = async () => new Browser(await mintFleetSession(member, `u-oidc-${people++}`));
  return { contenders, redisUrl: redis.url, stats, newBrowser };
}

/**
 * The fleet's environment for both servers: one client as apps/django is listed (scripts/dev.mjs:
 * client_secret_basic, refresh tokens, back-channel logout) and an RS256 key as `npm run dev` makes one.
 * The client's URIs are never visited: the bench reads the code off the redirect.
 */
function providerEnv(redisUrl: string, origins: string[]) {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwks = { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "bench-key", alg: "RS256", use: "sig" }] };
  const rpOrigin = "http://127.0.0.1:9";
  const client = { clientId: "bench-rp", secret: randomBytes(32).toString("base64url"), redirectUri: `${rpOrigin}/oidc/callback` };
  const clients = [
    {
      client_id: client.clientId,
      client_secret: client.secret,
      redirect_uris: [client.redirectUri],
      post_logout_redirect_uris: [`${rpOrigin}/`],
      backchannel_logout_uri: `${rpOrigin}/oidc/backchannel-logout`,
      backchannel_logout_session_required: true,
      grant_types: ["authorization_code", "refresh_token"],
    },
  ];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    REDIS_URL: redisUrl,
    SESSION_PASSWORD: randomBytes(32).toString("base64url"),
    APP_ORIGINS: origins.join(","),
    // Plain HTTP on loopback: the provider's cookies (and the fleet's) without Secure, as in development.
    COOKIE_SECURE: "false",
    IRONLINK_OIDC_CLIENTS: JSON.stringify(clients),
    IRONLINK_OIDC_JWKS: JSON.stringify(jwks),
  };
  return { env, client };
}

async function mintFleetSession(member: Fleet, username: string): Promise<string> {
  const data = { user: { id: `id-${username}`, username }, signedInAt: Date.now(), signedInOn: "Ironlink Bench", userAgent: "bench" };
  return (await mintSession(member.sessions, member.config.cookieName, data as Fleet.SessionData)).cookie;
}

async function tokenRounds(bench: Bench, config: OidcConfig, log: Log): Promise<TokenTurn[]> {
  log(
    `oidc: token endpoint, ${config.rounds} rounds × (redis, memory, rotating) × ${config.batchesPerTurn} batches of ${config.codesPerBatch} codes; ` +
      `${config.concurrency} requests in flight`,
  );
  const turns: TokenTurn[] = [];
  for (let round = 1; round <= config.rounds; round++) {
    for (const contender of rotate(bench.contenders, round - 1)) {
      const turn = await tokenTurn(bench, contender, config, round, config.batchesPerTurn);
      turns.push(turn);
      log(
        `  round ${round} ${contender.kind.padEnd(6)} codes ${turn.codes.perSecond.toFixed(0).padStart(5)}/s (p50 ${ms(turn.codes.p50)} ms, ` +
          `${turn.codes.commandsPerRequest.toFixed(1)} Redis commands)  refresh ${turn.refresh.perSecond.toFixed(0).padStart(5)}/s (p50 ${ms(turn.refresh.p50)} ms)`,
      );
    }
  }
  return turns;
}

/** One provider's turn: `batches` × (mint codes, untimed; exchange them, timed; refresh, timed). */
async function tokenTurn(bench: Bench, contender: Contender, config: OidcConfig, round: number, batches: number): Promise<TokenTurn> {
  const codeSamples: PhaseSample[] = [];
  const refreshSamples: PhaseSample[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const codes = await mintCodes(bench, contender, config.codesPerBatch, config.mintConcurrency);
    await sleep(100); // the minting's last responses and Redis writes settle
    const exchanged = await timedPhase(bench, contender, codes, config.concurrency, (code) => exchangeCode(contender.rp, code));
    const refreshTokens = exchanged.results.map((tokens) => refreshTokenOf(tokens));
    const refreshed = await timedPhase(bench, contender, refreshTokens, config.concurrency, (token) => refresh(contender.rp, token));
    codeSamples.push(exchanged.sample);
    refreshSamples.push(refreshed.sample);
  }
  return { kind: contender.kind, round, codes: phaseFigures(codeSamples), refresh: phaseFigures(refreshSamples) };
}

function refreshTokenOf(tokens: Tokens): string {
  if (!tokens.refresh_token) throw new Error("the exchange gave no refresh token (the client may use refresh_token)");
  return tokens.refresh_token;
}

/** Codes for new people: each a fresh fleet session's first sign-in to the client (a grant and a provider session of its own). */
async function mintCodes(bench: Bench, contender: Contender, count: number, concurrency: number): Promise<IssuedCode[]> {
  const browsers: Browser[] = [];
  for (let i = 0; i < count; i++) browsers.push(await bench.newBrowser());
  return inPool(browsers, concurrency, (browser) => authorize(browser, contender.rp));
}

interface PhaseSample {
  requests: number;
  seconds: number;
  latencies: number[];
  serverCpuSeconds: number;
  redisCpuSeconds: number;
  commands: CommandCounts;
}

/** `call` on every item, `concurrency` at a time, timed; with the provider's and Redis's CPU and Redis's commands meanwhile. */
async function timedPhase<T, R>(bench: Bench, contender: Contender, items: T[], concurrency: number, call: (item: T) => Promise<R>) {
  const redisBefore = await redisSample(bench.stats);
  const cpuBefore = cpuSeconds(contender.server.pid);
  const latencies: number[] = [];
  const started = performance.now();
  const results = await inPool(items, concurrency, async (item) => {
    const sent = performance.now();
    const result = await call(item);
    latencies.push(performance.now() - sent);
    return result;
  });
  const seconds = (performance.now() - started) / 1000;
  const serverCpuSeconds = cpuSeconds(contender.server.pid) - cpuBefore;
  const redisAfter = await redisSample(bench.stats);
  const sample: PhaseSample = {
    requests: items.length,
    seconds,
    latencies,
    serverCpuSeconds,
    redisCpuSeconds: redisAfter.cpuSeconds - redisBefore.cpuSeconds,
    commands: commandDelta(redisBefore.commands, redisAfter.commands),
  };
  return { results, sample };
}

/** A turn's batches together: requests over the timed seconds, latency percentiles over every request. */
function phaseFigures(samples: PhaseSample[]): PhaseFigures {
  const requests = samples.reduce((sum, s) => sum + s.requests, 0);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const commands: CommandCounts = new Map();
  for (const sample of samples) for (const [name, calls] of sample.commands) commands.set(name, (commands.get(name) ?? 0) + calls);
  return {
    requests,
    perSecond: requests / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    serverCpu: (samples.reduce((sum, s) => sum + s.serverCpuSeconds, 0) * 1e6) / requests,
    redisCpu: (samples.reduce((sum, s) => sum + s.redisCpuSeconds, 0) * 1e6) / requests,
    commandsPerRequest: total(commands) / requests,
    commands: Object.fromEntries([...commands].map(([name, calls]) => [name, calls / requests])),
  };
}

/** Exact commands per exchange and per refresh on the Redis provider (MONITOR: sequential, never in a timed phase). */
async function traceTokenRequests(bench: Bench, samples: number) {
  const contender = bench.contenders.find((c) => c.kind === "redis") as Contender;
  const codes = await mintCodes(bench, contender, samples, 1);
  const tokens: Tokens[] = [];
  const exchanges = await traceCommands(bench.redisUrl, async () => {
    for (const code of codes) tokens.push(await exchangeCode(contender.rp, code));
  });
  const refreshes = await traceCommands(bench.redisUrl, async () => {
    for (const token of tokens) await refresh(contender.rp, refreshTokenOf(token));
  });
  const perSample = (trace: { client: CommandCounts; lua: CommandCounts }) => ({ client: Object.fromEntries(trace.client), lua: Object.fromEntries(trace.lua), samples });
  return { exchangeTrace: perSample(exchanges), refreshTrace: perSample(refreshes) };
}

const hopSteps = ["authorize", "interaction", "resume", "token"] as const;

/**
 * The hop, one browser at a time (each a new person's fleet session, minted untimed): its steps' server
 * times, then one GET /session with the same cookie (a warm read, as an app reads a session it has seen).
 */
async function measureHop(bench: Bench, contender: Contender, samples: number, log: Log): Promise<HopFigures> {
  log(`oidc: ${contender.kind}: the signed-in browser's hop, ${samples} samples, one at a time`);
  const clientTotals: number[] = [];
  for (let i = 0; i < samples + 10; i++) {
    const browser = await bench.newBrowser();
    const started = performance.now();
    await exchangeCode(contender.rp, await authorize(browser, contender.rp));
    const elapsed = performance.now() - started;
    const read = await send(new URL("/session", contender.rp.issuer), { headers: { cookie: browser.header() } });
    if (read.status !== 200) throw new Error(`GET /session answered ${read.status}`);
    if (i === 9) await takeTimings(contender); // ten untimed hops first; and the throughput turns' timings go too
    if (i >= 10) clientTotals.push(elapsed);
  }
  const timings = await takeTimings(contender);
  for (const step of [...hopSteps, "session"]) {
    if (timings[step]?.length !== samples) throw new Error(`${contender.kind}: ${timings[step]?.length} timings of ${step} for ${samples} hops`);
  }
  const totals = Array.from({ length: samples }, (_, i) => hopSteps.reduce((sum, step) => sum + (timings[step]?.[i] as number), 0));
  const steps = Object.fromEntries(hopSteps.map((step) => [step, percentiles(timings[step] as number[])])) as HopFigures["steps"];
  return { samples, steps, total: percentiles(totals), clientTotal: percentiles(clientTotals), sessionRead: percentiles(timings.session as number[]) };
}

async function takeTimings(contender: Contender): Promise<Record<string, number[]>> {
  return JSON.parse((await send(new URL("/bench/timings", contender.rp.issuer))).body) as Record<string, number[]>;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) };
}

/** The bench's own target for the hop (the issue sets none): a person waits for it once per client sign-in. */
const hopTargetMs = 50;

export function oidcGoals({ codeRatio, refreshRatio, codeRatios, refreshRatios, hop }: OidcResult): Goal[] {
  const rounds = (ratios: number[]) => `rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
  return [
    { goal: "OIDC token endpoint, code exchanges/s: Redis / in-memory adapter", measured: `${codeRatio.toFixed(2)}x (${rounds(codeRatios)})`, target: "≥ 0.80x", pass: codeRatio >= 0.8 },
    { goal: "OIDC token endpoint, refresh grants/s: Redis / in-memory adapter", measured: `${refreshRatio.toFixed(2)}x (${rounds(refreshRatios)})`, target: "≥ 0.80x", pass: refreshRatio >= 0.8 },
    {
      goal: "OIDC signed-in browser's hop, server time p95 (the bench's own target)",
      measured: `${ms(hop.redis.total.p95)} ms (p50 ${ms(hop.redis.total.p50)}; a session read p95 ${ms(hop.redis.sessionRead.p95)})`,
      target: `≤ ${hopTargetMs} ms`,
      pass: hop.redis.total.p95 <= hopTargetMs,
    },
  ];
}

export function oidcReport(result: OidcResult): string[] {
  const { config, versions } = result;
  return [
    `### The OpenID Provider (issue 25): oidc-provider ${versions["oidc-provider"]}, Redis ${versions["redis-server"]}, one provider process each, RS256 ID tokens`,
    "",
    `Token endpoint: ${config.rounds} rounds × (Redis, in-memory; order rotating) × ${config.batchesPerTurn} batches of ${config.codesPerBatch} codes, each a new person's first sign-in ` +
      `(minted untimed); the exchanges, then the refresh_token grants, ${config.concurrency} in flight, client_secret_basic + PKCE S256. Medians over the rounds.`,
    "",
    tokenTable(result),
    "",
    `- Redis / in-memory, per round: exchanges ${result.codeRatios.map((r) => r.toFixed(2)).join(", ")}; refreshes ${result.refreshRatios.map((r) => r.toFixed(2)).join(", ")}`,
    `- Redis commands per exchange (MONITOR, ${result.exchangeTrace.samples} sequential): ${describeCounts(new Map(Object.entries(result.exchangeTrace.client)), result.exchangeTrace.samples)}` +
      `${luaNote(result.exchangeTrace)}; per refresh: ${describeCounts(new Map(Object.entries(result.refreshTrace.client)), result.refreshTrace.samples)}${luaNote(result.refreshTrace)}`,
    "",
    ...hopSection(result),
  ];
}

function tokenTable({ turns }: OidcResult): string {
  const rows = (["codes", "refresh"] as const).flatMap((phase) =>
    kinds.map((kind) => {
      const mine = turns.filter((t) => t.kind === kind).map((t) => t[phase]);
      const m = (pick: (f: PhaseFigures) => number) => median(mine.map(pick));
      return [
        `${phase === "codes" ? "code exchange" : "refresh"}: ${label[kind]}`,
        m((f) => f.perSecond).toFixed(0),
        `${ms(m((f) => f.p50))} / ${ms(m((f) => f.p99))}`,
        m((f) => f.serverCpu).toFixed(0),
        m((f) => f.redisCpu).toFixed(0),
        m((f) => f.commandsPerRequest).toFixed(1),
      ];
    }),
  );
  return table(["grant: provider", "req/s", "p50 / p99 ms", "provider CPU µs/req", "Redis CPU µs/req", "Redis commands/req"], rows);
}

function luaNote(trace: { lua: Record<string, number>; samples: number }): string {
  const counts = new Map(Object.entries(trace.lua));
  return total(counts) ? ` (inside scripts: ${describeCounts(counts, trace.samples)})` : "";
}

function hopSection({ hop }: OidcResult): string[] {
  const cell = (p: Percentiles) => `${ms(p.p50)} / ${ms(p.p95)}`;
  const rows = [
    ...hopSteps.map((step) => [hopStepLabel[step], cell(hop.redis.steps[step]), cell(hop.memory.steps[step])]),
    ["the whole hop (sum of the steps, per hop)", cell(hop.redis.total), cell(hop.memory.total)],
    ["the whole hop, the browser's clock (loopback included)", cell(hop.redis.clientTotal), cell(hop.memory.clientTotal)],
    ["one session read: GET /session, same server", cell(hop.redis.sessionRead), cell(hop.memory.sessionRead)],
  ];
  return [
    `Signed-in browser's hop, ${hop.redis.samples} hops one at a time per provider, each a new person's first sign-in to the client; server time (the server's own clock, arrival to the response's end), ms p50 / p95:`,
    "",
    table(["step", label.redis, `${label.memory} (contrast)`], rows),
  ];
}

const hopStepLabel: Record<(typeof hopSteps)[number], string> = {
  authorize: "GET /oidc/auth (→ the interaction)",
  interaction: "GET /oidc/interaction/:uid (the fleet session's sign-in → resume)",
  resume: "GET /oidc/auth/:uid (→ redirect_uri with the code)",
  token: "POST /oidc/token (code → tokens)",
};

const ms = (value: number) => value.toFixed(2);
