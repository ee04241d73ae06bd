/**
 * Live sign-out (docs/live-signout.md): the real app one (`ironlink-next start`, its own build) on a Redis of
 * its own, N Server-Sent Event streams open on GET /api/ironlink/events, each with a session of its own
 * minted in this process through the fleet's session manager (as a sign-in would write it), then:
 *
 *   - memory per open stream: the app process's RSS (/proc/<pid>/status VmRSS) before and with N open;
 *   - Redis commands while the N streams sit idle (INFO commandstats over a quiet window: none expected),
 *     and per stream opened (the session's read, one PTTL);
 *   - the bound: stream N + 1 is refused with 503 (IRONLINK_MAX_STREAMS at its default, 1,000);
 *   - propagation: `session.destroy()` here, in another process than the app, to the `ended` event read on
 *     that session's stream, one at a time, p50 / p99 over the samples, while the others stay open;
 *   - the streams closed by the clients are released: a new stream opens afterwards.
 */
import { readFileSync } from "node:fs";
import { startRedis } from "@ironlink/testing";
import type { IronSession } from "@ironlink/session";
import { createFleet, type Fleet } from "@ironlink/session/fleet";

type FleetSessionData = Fleet.SessionData;
import { Redis } from "ioredis";
import { freePort, onCleanup } from "./processes";
import { type CommandCounts, commandDelta, commandStats, describeCounts, total } from "./redis-stats";
import { ensureAppOneBuild, fleetEnv, mintSession, startAppOne } from "./servers";
import { median, percentile, sleep } from "./timing";

export interface LiveResult {
  streams: number;
  /** The Accept-Encoding the streams were opened with, and the Content-Encoding the app answered. */
  acceptEncoding: string;
  contentEncoding: string;
  /** Streams that did not answer 200 when opened (503 before the bound, or anything else): a leak if > 0. */
  refusedBelowBound: number;
  /** Status of stream N + 1 (503 expected: the bound). */
  overBoundStatus: number;
  rssBefore: number;
  /** With half the streams open: the slope from there to all of them is the marginal cost of a stream. */
  rssHalf: number;
  rssOpen: number;
  /** After every client closed its stream (what the process keeps). */
  rssClosed: number;
  bytesPerStream: number;
  openSeconds: number;
  commandsPerOpen: CommandCounts;
  idleSeconds: number;
  idleCommands: CommandCounts;
  /** The same window with no stream open. */
  baselineCommands: CommandCounts;
  /** Milliseconds from calling destroy() to the `ended` event at the stream, one sample per session. */
  propagation: number[];
  p50: number;
  p99: number;
  max: number;
  /** How long destroy() itself took (its Redis round trips), median. */
  destroyP50: number;
  /** Status of a new stream after every client closed its own (200: the closed ones were released). */
  afterCloseStatus: number;
}

interface OpenStream {
  status: number;
  /** The response's Content-Encoding ("" when none). */
  encoding: string;
  /** performance.now() when `event: ended` arrived; pending until then. */
  ended: Promise<number>;
  close(): void;
}

const eventsPath = "/api/ironlink/events";
/** What Chromium sends with an EventSource request: the streams are opened as the browser would. */
export const browserAcceptEncoding = "gzip, deflate, br, zstd";

/** VmRSS of a process, bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Opens one event stream with `cookie`; resolves once its headers (and first chunk) arrived. */
async function openStreamWith(url: string, cookie: string, acceptEncoding: string): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { Accept: "text/event-stream", "Accept-Encoding": acceptEncoding, Cookie: cookie }, signal: abort.signal });
  const encoding = response.headers.get("content-encoding") ?? "";
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel().catch(() => {});
    return { status: response.status, encoding, ended: new Promise(() => {}), close: () => {} };
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error("the stream closed without an ended event");
      text += decoder.decode(value, { stream: true });
      if (text.includes("event: ended")) return performance.now();
      // Only the tail matters: a ping every 20 s must not grow this.
      text = text.slice(-64);
    }
  })();
  ended.catch(() => {});
  return { status: 200, encoding, ended, close: () => abort.abort() };
}

export interface LiveOptions {
  streams?: number;
  samples?: number;
  idleSeconds?: number;
  skipBuild?: boolean;
  acceptEncoding?: string;
  log?: (message: string) => void;
}

export async function runLive({
  streams: count = 1_000,
  samples = 250,
  idleSeconds = 5,
  skipBuild = false,
  acceptEncoding = browserAcceptEncoding,
  log = (_: string) => {},
}: LiveOptions = {}): Promise<LiveResult> {
  const openStream: StreamOpener = (url: string, cookie: string) => openStreamWith(url, cookie, acceptEncoding);
  const app = await startLiveApp(skipBuild, log);
  const { stats, pid, url, mint } = app;
  await warmUpStreams(url, mint, openStream);
  const minted: MintedSession[] = [];
  for (let i = 0; i < count; i++) minted.push(await mint(i));
  await sleep(1_000);
  // What the app asks of Redis with no stream open (the sign-in app's heartbeat), for the idle window below.
  const baselineCommands = await commandsOver(stats, idleSeconds);
  const rssBefore = rssBytes(pid);

  log(`live: opening ${count} streams (one session each)…`);
  const opened = await openStreamsInWaves(app, minted, openStream);
  const refusedBelowBound = opened.open.filter((s) => s.status !== 200).length;
  const extra = await mint(count);
  const over = await openStream(url, extra.cookie);
  over.close();
  await sleep(2_000);
  const rssOpen = rssBytes(pid);
  log(`live: ${count - refusedBelowBound} open (${refusedBelowBound} refused), stream ${count + 1}: ${over.status}; RSS ${mb(rssBefore)} → ${mb(rssOpen)}`);

  // Idle: the streams only hold their connections (a ping every 20 s is written by the app, not asked of Redis).
  const idleCommands = await commandsOver(stats, idleSeconds);
  log(`live: ${idleSeconds} s idle with ${count} streams: ${total(idleCommands)} Redis commands (${describeCounts(idleCommands, 1) || "none"})`);

  const n = Math.min(samples, count - refusedBelowBound);
  log(`live: propagation, ${n} samples (destroy() here → "ended" at the stream)…`);
  const { propagation, destroyTimes } = await measurePropagation(opened.open, minted, n);

  // Every client closes its stream: the app must release them (a new stream opens below the bound).
  for (const s of opened.open) s.close();
  await sleep(1_500);
  const after = await openStream(url, extra.cookie);
  after.close();

  const rssClosed = rssBytes(pid);
  await app.stop();
  return liveResult(
    { count, acceptEncoding, refusedBelowBound, overBoundStatus: over.status, afterCloseStatus: after.status },
    { ...opened, rssBefore, rssOpen, rssClosed },
    { idleSeconds, idleCommands, baselineCommands, propagation, destroyTimes },
  );
}

type StreamOpener = (url: string, cookie: string) => Promise<OpenStream>;
type MintedSession = { session: IronSession<FleetSessionData>; cookie: string };
type LiveApp = Awaited<ReturnType<typeof startLiveApp>>;

/**
 * A Redis of its own, app one on it, and this process as another app of the fleet minting sessions; each is
 * stopped by `stop()` or at cleanup.
 */
async function startLiveApp(skipBuild: boolean, log: (message: string) => void) {
  const redis = await startRedis();
  let redisStopped = false;
  const stopRedis = async () => {
    if (redisStopped) return;
    redisStopped = true;
    await redis.stop();
  };
  onCleanup(stopRedis);
  const stats = new Redis(redis.url);
  stats.on("error", () => {});
  onCleanup(() => stats.disconnect());

  ensureAppOneBuild({ skipBuild, log });
  const port = await freePort();
  const env = fleetEnv(redis.url, `http://127.0.0.1:${port}`);
  const server = await startAppOne(port, env);
  const { origin, pid } = server;
  log(`live: app one ${origin} (pid ${pid}), redis ${redis.url}`);

  // This process is another app of the fleet: the same settings, its own connection to the store.
  const fleet = createFleet({ appName: "bench", env });
  let fleetClosed = false;
  const closeFleet = async () => {
    if (fleetClosed) return;
    fleetClosed = true;
    await fleet.close().catch(() => {});
  };
  onCleanup(closeFleet);
  const cookieName = fleet.config.cookieName;
  const mint = (i: number): Promise<MintedSession> =>
    mintSession(fleet.sessions, cookieName, { user: { id: `live-${i}`, username: `live-${i}` }, signedInAt: Date.now(), signedInOn: "bench", userAgent: "bench" });
  const stop = async () => {
    await server.stop();
    await closeFleet();
    await stopRedis();
  };
  return { stats, pid, url: `${origin}${eventsPath}`, mint, stop };
}

/** Warm-up: the route compiled and loaded, the process's one subscription made, a few streams opened and closed. */
async function warmUpStreams(url: string, mint: (i: number) => Promise<MintedSession>, openStream: StreamOpener): Promise<void> {
  const warm = await Promise.all(Array.from({ length: 20 }, (_, i) => mint(-1 - i)));
  for (let round = 0; round < 3; round++) {
    const open = await Promise.all(warm.map((w) => openStream(url, w.cookie)));
    if (open.some((s) => s.status !== 200)) throw new Error(`warm-up streams: ${open.map((s) => s.status).join(", ")}`);
    for (const s of open) s.close();
    await sleep(300);
  }
}

/** The Redis commands run over a window of `seconds`. */
async function commandsOver(stats: Redis, seconds: number): Promise<CommandCounts> {
  const before = await commandStats(stats);
  await sleep(seconds * 1000);
  return commandDelta(before, await commandStats(stats));
}

/** Opens a stream per minted session, 50 at a time, as tabs would arrive: not one burst of 1,000 handshakes. */
async function openStreamsInWaves({ stats, pid, url }: LiveApp, minted: MintedSession[], openStream: StreamOpener) {
  const count = minted.length;
  const beforeOpen = await commandStats(stats);
  const openedAt = performance.now();
  const open: OpenStream[] = [];
  let rssHalf = Number.NaN;
  for (let i = 0; i < count; i += 50) {
    open.push(...(await Promise.all(minted.slice(i, i + 50).map((m) => openStream(url, m.cookie)))));
    if (open.length === count / 2) {
      await sleep(2_000);
      rssHalf = rssBytes(pid);
    }
  }
  const openSeconds = (performance.now() - openedAt) / 1000;
  const commandsPerOpen = commandDelta(beforeOpen, await commandStats(stats));
  return { open, rssHalf, openSeconds, commandsPerOpen };
}

/** Propagation: one destroy() at a time, each on a stream still open among the others. */
async function measurePropagation(open: OpenStream[], minted: MintedSession[], n: number) {
  const propagation: number[] = [];
  const destroyTimes: number[] = [];
  for (let i = 0; i < n; i++) {
    const stream = open[i] as OpenStream;
    if (stream.status !== 200) continue;
    const started = performance.now();
    await (minted[i] as MintedSession).session.destroy();
    destroyTimes.push(performance.now() - started);
    const arrived = await Promise.race([stream.ended, sleep(10_000).then(() => Number.NaN)]);
    if (Number.isNaN(arrived)) throw new Error(`sample ${i}: no ended event within 10 s`);
    propagation.push(arrived - started);
    await sleep(10);
  }
  return { propagation, destroyTimes };
}

/** The streams' count and statuses: how many opened, the bound, the release after closing. */
type StreamCounts = Pick<LiveResult, "acceptEncoding" | "refusedBelowBound" | "overBoundStatus" | "afterCloseStatus"> & { count: number };
/** The app's memory and the Redis commands as the streams opened. */
type OpeningCosts = Pick<LiveResult, "rssBefore" | "rssHalf" | "rssOpen" | "rssClosed" | "openSeconds" | "commandsPerOpen"> & { open: OpenStream[] };
/** The idle window and the sign-out samples. */
type IdleAndPropagation = Pick<LiveResult, "idleSeconds" | "idleCommands" | "baselineCommands" | "propagation"> & { destroyTimes: number[] };

/** The result in the report's order, with the figures derived from what was measured. */
function liveResult(counts: StreamCounts, opening: OpeningCosts, idle: IdleAndPropagation): LiveResult {
  const m = { ...counts, ...opening, ...idle };
  const sorted = [...m.propagation].sort((a, b) => a - b);
  return {
    streams: m.count,
    acceptEncoding: m.acceptEncoding,
    contentEncoding: m.open.find((o) => o.status === 200)?.encoding ?? "",
    refusedBelowBound: m.refusedBelowBound,
    overBoundStatus: m.overBoundStatus,
    rssBefore: m.rssBefore,
    rssHalf: m.rssHalf,
    rssOpen: m.rssOpen,
    rssClosed: m.rssClosed,
    bytesPerStream: (m.rssOpen - m.rssBefore) / (m.count - m.refusedBelowBound),
    openSeconds: m.openSeconds,
    commandsPerOpen: m.commandsPerOpen,
    idleSeconds: m.idleSeconds,
    idleCommands: m.idleCommands,
    baselineCommands: m.baselineCommands,
    propagation: m.propagation,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    destroyP50: median(m.destroyTimes),
    afterCloseStatus: m.afterCloseStatus,
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The goal of the issue: p99 of propagation within a second. */
export const liveGoalMs = 1_000;

/** The report's "Live sign-out" section (Markdown). */
export function liveReport(r: LiveResult): string[] {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
  const counted = (counts: CommandCounts) => `${total(counts)}${total(counts) ? ` (${describeCounts(counts, 1)})` : ""}`;
  const opened = r.streams - r.refusedBelowBound;
  return [
    `### Live sign-out: app one (\`ironlink-next start\`), ${r.streams.toLocaleString("en-US")} open event streams, one session each`,
    "",
    `| what | value |`,
    `| --- | --- |`,
    `| propagation, \`session.destroy()\` in another process → \`ended\` at the open stream (${r.propagation.length} samples, one at a time) | p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)} |`,
    `| \`destroy()\` itself (DEL, unindex, PUBLISH), p50 | ${ms(r.destroyP50)} |`,
    `| app RSS, before → with ${opened.toLocaleString("en-US")} streams open | ${(r.rssBefore / 1048576).toFixed(1)} → ${(r.rssOpen / 1048576).toFixed(1)} MiB |`,
    `| app RSS with ${(opened / 2).toLocaleString("en-US")} streams open; after every client closed its stream | ${mib(r.rssHalf)}; ${mib(r.rssClosed)} MiB |`,
    `| memory per open stream: RSS delta / streams (0 → ${opened}); slope ${opened / 2} → ${opened} | ${(r.bytesPerStream / 1024).toFixed(1)} KiB; ${((r.rssOpen - r.rssHalf) / (opened / 2) / 1024).toFixed(1)} KiB |`,
    `| Redis commands per stream opened | ${describeCounts(r.commandsPerOpen, opened) || "none"} |`,
    `| Redis commands in ${r.idleSeconds} s with every stream idle; the same with none open | ${counted(r.idleCommands)}; ${counted(r.baselineCommands)} |`,
    `| streams opened with Accept-Encoding; answered with Content-Encoding | \`${r.acceptEncoding}\`; ${r.contentEncoding ? `\`${r.contentEncoding}\`` : "none"} |`,
    `| streams opened in | ${r.openSeconds.toFixed(1)} s (50 at a time); refused below the bound: ${r.refusedBelowBound} |`,
    `| stream ${(r.streams + 1).toLocaleString("en-US")} (over IRONLINK_MAX_STREAMS) | ${r.overBoundStatus} |`,
    `| a new stream after the clients closed theirs | ${r.afterCloseStatus} |`,
  ];
}

/** Commands of the idle window beyond what the app sends with no stream open (its heartbeat: a SET every few seconds). */
function idleStreamCommands(r: LiveResult): number {
  let extra = 0;
  // A stream never writes: a SET is the heartbeat, whichever window its 5 s period fell into.
  for (const [name, calls] of r.idleCommands) if (name !== "set" && !r.baselineCommands.has(name)) extra += calls;
  return extra;
}

export function liveGoals(r: LiveResult): { goal: string; measured: string; target: string; pass: boolean }[] {
  return [
    { goal: "live sign-out: destroy() → ended event, p99", measured: `${r.p99.toFixed(1)} ms (p50 ${r.p50.toFixed(1)})`, target: `≤ ${liveGoalMs} ms`, pass: r.p99 <= liveGoalMs },
    {
      goal: `live sign-out: Redis commands of ${r.streams} idle streams`,
      measured: `${idleStreamCommands(r)} (heartbeat aside)`,
      target: "0",
      pass: idleStreamCommands(r) === 0 && r.refusedBelowBound === 0 && r.overBoundStatus === 503 && r.afterCloseStatus === 200,
    },
  ];
}
