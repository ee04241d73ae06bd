/**
 * Memory: what one session costs in Redis and in the cookie, then 1,000,000 sessions loaded (pipelined)
 * and listing one user's sessions at 1,000 and at 1,000,000 sessions in all.
 */
import { createHash } from "node:crypto";
import { createSessionManager, type SessionManager, sessionInfo } from "@ironlink/session";
import { createRedisClient, RedisStore } from "@ironlink/session/redis";
import { sealData } from "iron-session";
import { Redis } from "ioredis";
import { type BenchSessionData, ironCookieName, ironlinkCookieName, ironlinkOptions, keyPrefix, sessionData, ttl } from "../lib/fixture";
import { MemoryCookies } from "./cookie-store";
import { infoField, redisSample } from "./redis-stats";
import { sealStoredValue } from "./session-internals";
import { type LoopResult, timeLoop, untilIdle } from "./timing";

export interface MemoryResult {
  sessionKeyBytes: number;
  indexKeyBytes: number;
  storedValueChars: number;
  cookieChars: number;
  cookieHeaderChars: number;
  ironCookieChars: number;
  small: { sessions: number; usedMemory: number; listing: LoopResult };
  large: { sessions: number; usedMemory: number; usedMemoryRss: number; loadSeconds: number; listing: LoopResult; users: number };
  bytesPerSession: number;
}

const listedUser = "u-listed";
const perUser = 3;

export async function runMemory(
  redisUrl: string,
  password: string,
  { large = 1_000_000, small = 1_000, batch = 10_000, listBudgetMs = 1500, log = (_: string) => {} } = {},
): Promise<MemoryResult> {
  const raw = new Redis(redisUrl, { commandTimeout: 120_000 });
  raw.on("error", () => {}); // commands still fail loudly; this only silences reconnect noise after Ctrl-C
  const client = createRedisClient(redisUrl);
  try {
    await raw.flushall();
    const store = new RedisStore({ client, prefix: keyPrefix });
    const manager = createSessionManager<BenchSessionData>(ironlinkOptions({ store }));
    const signIn = realSignIn(manager);
    const one = await measureOneSession(raw, store, signIn, password);
    await raw.flushall();

    // The listed user: three real sessions among fillers that belong to other users, three per user.
    for (let i = 0; i < perUser; i++) await signIn(listedUser);
    const fillers = fillerLoader(raw, store, password, batch);
    const listing = async (label: string) => {
      const sessions = await manager.listSessions(listedUser);
      if (sessions.length !== perUser) throw new Error(`listSessions(${listedUser}) found ${sessions.length} sessions, expected ${perUser}`);
      return timeLoop(label, listBudgetMs, () => manager.listSessions(listedUser), undefined, 20);
    };

    await fillers.fill(small);
    const smallUsed = Number(await infoField(raw, "memory", "used_memory"));
    const smallListing = await listing(`listSessions, ${small.toLocaleString("en-US")} sessions in Redis`);
    log(`memory: ${small} sessions loaded; listing ${smallListing.p50.toFixed(0)} µs (p50); loading ${large.toLocaleString("en-US")}…`);

    const loadSeconds = await loadInSteps(fillers, large, log);
    const dbsize = await raw.dbsize();
    const largeUsed = Number(await infoField(raw, "memory", "used_memory"));
    const largeRss = Number(await infoField(raw, "memory", "used_memory_rss"));
    // Timed once Redis has done with the load (its incremental rehashing, the freed pipeline buffers): the
    // goal is what a listing costs among a million sessions, not in the wake of writing them.
    await untilIdle(async () => (await redisSample(raw)).cpuSeconds, 0.01, 500);
    const largeListing = await listing(`listSessions, ${large.toLocaleString("en-US")} sessions in Redis`);
    if (dbsize < large) throw new Error(`memory: expected at least ${large} keys in Redis, found ${dbsize}`);
    return {
      ...one,
      small: { sessions: small, usedMemory: smallUsed, listing: smallListing },
      large: { sessions: large, usedMemory: largeUsed, usedMemoryRss: largeRss, loadSeconds, listing: largeListing, users: fillers.fillerUsers + 1 },
      bytesPerSession: (largeUsed - smallUsed) / (large - small),
    };
  } finally {
    raw.disconnect();
    client.disconnect();
  }
}

type RealSignIn = (user: string) => Promise<{ cookie: string; key: string }>;

/** One real session, as a sign-in makes it: answers its cookie and its key. */
function realSignIn(manager: SessionManager<BenchSessionData>): RealSignIn {
  return async (user) => {
    const cookies = new MemoryCookies();
    const session = await manager.getSession(cookies);
    Object.assign(session, sessionData({ id: user, username: user }));
    await session.save();
    return { cookie: cookies.get(ironlinkCookieName)?.value as string, key: sessionInfo(session).publicId as string };
  };
}

/** What one session costs: its key and index entry in Redis, its stored value, its cookie beside iron-session's. */
async function measureOneSession(
  raw: Redis,
  store: RedisStore,
  signIn: RealSignIn,
  password: string,
): Promise<Pick<MemoryResult, "sessionKeyBytes" | "indexKeyBytes" | "storedValueChars" | "cookieChars" | "cookieHeaderChars" | "ironCookieChars">> {
  const one = await signIn("u-memory");
  const sessionKeyBytes = Number(await raw.memory("USAGE", keyPrefix + one.key, "SAMPLES", 0));
  const indexKeyBytes = Number(await raw.memory("USAGE", store.indexKey("u-memory"), "SAMPLES", 0));
  const storedValueChars = (await raw.strlen(keyPrefix + one.key)) as number;
  const ironCookie = await sealData(sessionData({ id: "u-memory", username: "u-memory" }), { password, ttl });
  return {
    sessionKeyBytes,
    indexKeyBytes,
    storedValueChars,
    cookieChars: one.cookie.length,
    cookieHeaderChars: `${ironlinkCookieName}=${one.cookie}`.length,
    ironCookieChars: `${ironCookieName}=${ironCookie}`.length,
  };
}

interface FillerLoader {
  /** Sessions in Redis so far: the listed user's, then the fillers. */
  readonly loaded: number;
  readonly fillerUsers: number;
  /** Pipelines filler sessions (three per user, each user indexed) in batches until `upTo` are loaded. */
  fill(upTo: number): Promise<void>;
}

/** Loads filler sessions after the listed user's real ones. */
function fillerLoader(raw: Redis, store: RedisStore, password: string, batch: number): FillerLoader {
  let loaded = perUser;
  let fillerUsers = 0;
  const fill = async (upTo: number) => {
    while (loaded < upTo) {
      const count = Math.min(batch, upTo - loaded);
      const now = Date.now();
      const expiresAt = now + ttl * 1000;
      // One genuine sealed value per batch (sealed for the batch's first key): the same size as any other.
      const firstKey = fillerKey(loaded);
      const value = await sealStoredValue(
        { key: firstKey, data: sessionData({ id: `u${loaded}`, username: `user${loaded}` }), createdAt: now, touchedAt: now },
        { 1: password },
        ttl,
      );
      const pipeline = raw.pipeline();
      for (let i = loaded; i < loaded + count; i++) {
        const key = fillerKey(i);
        const user = `u${Math.floor(i / perUser)}`;
        pipeline.set(keyPrefix + key, value, "PX", ttl * 1000);
        pipeline.zadd(store.indexKey(user), expiresAt, key);
        if (i % perUser === perUser - 1 || i === loaded + count - 1) pipeline.pexpire(store.indexKey(user), ttl * 1000);
      }
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0];
      loaded += count;
      fillerUsers = Math.ceil(loaded / perUser);
    }
  };
  return {
    get loaded() {
      return loaded;
    },
    get fillerUsers() {
      return fillerUsers;
    },
    fill,
  };
}

/** Loads up to `large` sessions 100,000 at a time, logging progress; answers the seconds it took. */
async function loadInSteps(fillers: FillerLoader, large: number, log: (line: string) => void): Promise<number> {
  const started = performance.now();
  let nextReport = 100_000;
  while (fillers.loaded < large) {
    await fillers.fill(Math.min(large, fillers.loaded + 100_000));
    if (fillers.loaded >= nextReport) {
      log(`memory: ${fillers.loaded.toLocaleString("en-US")} sessions, ${((performance.now() - started) / 1000).toFixed(1)} s`);
      nextReport += 100_000;
    }
  }
  return (performance.now() - started) / 1000;
}

/** A key shaped like a real one: a SHA-256, base64url, 43 characters. */
function fillerKey(i: number): string {
  return createHash("sha256").update(`filler-${i}`).digest("base64url");
}
