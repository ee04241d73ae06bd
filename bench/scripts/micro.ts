/**
 * Library micro-benchmarks, no HTTP: what one request costs inside the route handler. Each operation runs
 * back to back in this process against the bench Redis.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSessionManager, getIronSession, type SessionManager, sessionInfo } from "@ironlink/session";
import { FileStore } from "@ironlink/session/file";
import { createRedisClient, RedisStore } from "@ironlink/session/redis";
import { sealData, unsealData } from "iron-session";
import type { Redis } from "ioredis";
import { type BenchSessionData, ironlinkCookieName, ironlinkOptions, keyPrefix, sessionData, ttl } from "../lib/fixture";
import { MemoryCookies } from "./cookie-store";
import { generateSessionId, storeKeyFor } from "./session-internals";
import { type LoopResult, timeLoop } from "./timing";

export async function runMicro(redisUrl: string, password: string, budgetMs = 1500): Promise<LoopResult[]> {
  const client = createRedisClient(redisUrl);
  try {
    const fixture = await microFixture(client, password);
    return [
      ...(await baselineLoops(fixture, budgetMs)),
      ...(await ironlinkReadLoops(fixture, budgetMs)),
      ...(await ironlinkSaveLoops(fixture, budgetMs)),
      ...(await fileStoreBesideRedis(budgetMs, fixture.data, fixture.check)),
    ];
  } finally {
    client.disconnect();
  }
}

type MicroFixture = Awaited<ReturnType<typeof microFixture>>;

/** The sessions, seals and keys the Redis rows time, made once before any timing. */
async function microFixture(client: Redis, password: string) {
  const prefix = `${keyPrefix}micro:`;
  const store = new RedisStore({ client, prefix });
  const options = ironlinkOptions({ store });
  const manager = createSessionManager<BenchSessionData>(options);
  const data = sessionData({ id: "u-micro", username: "micro" });

  // Each sign-in is another person's: one user signed in thousands of times would time the cap on sessions per user.
  let signIns = 0;
  const signIn = () => newSession(manager, { ...data, user: { id: `u-micro-${++signIns}`, username: "micro" } });
  const cookie = await signIn();
  const read = (cookieValue = cookie, m = manager) => m.getSession(new MemoryCookies({ [ironlinkCookieName]: cookieValue }));
  const check = async (session: Promise<{ user?: unknown }>) => {
    const s = await session;
    if (!s.user || sessionInfo(s).state !== "active") throw new Error(`micro-benchmark: expected an active session, got ${sessionInfo(s).state}`);
  };
  const ironSeal = await sealData(data, { password, ttl });
  const passwords = { 1: password };
  /**
   * A session as another process (another app of the fleet) wrote it: sealed with iron-session directly,
   * so this process has never seen its seals. `cookie` is reused when given: only the value is new.
   */
  const foreignSession = async (cookieOf?: { cookie: string; sid: string }) => {
    const sid = cookieOf?.sid ?? generateSessionId();
    const key = storeKeyFor(sid);
    const now = Date.now();
    const value = await sealData({ key, data: { ...data, lastAction: Math.random() }, createdAt: now, touchedAt: now }, { password: passwords, ttl });
    await client.set(prefix + key, value, "PX", ttl * 1000);
    return { sid, cookie: cookieOf?.cookie ?? (await sealData({ sid }, { password: passwords, ttl })) };
  };
  const warmForeign = await foreignSession();
  await check(read(warmForeign.cookie));
  const anyKey = `${keyPrefix}micro:probe`;
  await client.set(anyKey, "x".repeat(400));
  return { client, password, options, data, signIn, cookie, read, check, ironSeal, foreignSession, warmForeign, anyKey };
}

/** What Ironlink's rows sit on: a bare Redis GET, and iron-session's own seal and unseal. */
async function baselineLoops({ client, anyKey, ironSeal, data, password }: MicroFixture, budgetMs: number): Promise<LoopResult[]> {
  return [
    await timeLoop("ioredis GET of a 400-byte value (loopback)", budgetMs, () => client.get(anyKey)),
    await timeLoop("iron-session unsealData (the /iron cookie)", budgetMs, () => unsealData(ironSeal, { password, ttl })),
    await timeLoop("iron-session sealData (the /iron cookie)", budgetMs, () => sealData(data, { password, ttl })),
  ];
}

/** Ironlink's reads: warm, per-request options, and sessions another app made or changed. */
async function ironlinkReadLoops(fixture: MicroFixture, budgetMs: number): Promise<LoopResult[]> {
  const { read, check, cookie, options, foreignSession, warmForeign } = fixture;
  return [
    await timeLoop("Ironlink getSession read, warm (verified seals cached)", budgetMs, () => check(read())),
    await timeLoop("Ironlink getIronSession(cookies, { ...options }) per request", budgetMs, () =>
      check(getIronSession<BenchSessionData>(new MemoryCookies({ [ironlinkCookieName]: cookie }), { ...options })),
    ),
    await timeLoop(
      "Ironlink read, cold: cookie and value unseen (made by another app)",
      budgetMs,
      (foreign) => check(read(foreign.cookie)),
      () => foreignSession(),
    ),
    await timeLoop(
      "Ironlink read, value changed by another app (cookie cached)",
      budgetMs,
      () => check(read(warmForeign.cookie)),
      () => foreignSession(warmForeign),
    ),
  ];
}

/** Ironlink's saves and sign-ins, and the reads that follow them. */
async function ironlinkSaveLoops({ read, check, signIn }: MicroFixture, budgetMs: number): Promise<LoopResult[]> {
  const readAndSave = async () => {
    const session = await read();
    session.lastAction = performance.now();
    await session.save();
  };
  return [
    // The session read that precedes a save is outside the timing; the save after a save reads the new value.
    await timeLoop(
      "Ironlink save, one field changed (update)",
      budgetMs,
      async (session) => {
        session.lastAction = performance.now();
        await session.save();
      },
      () => read(),
    ),
    await timeLoop("Ironlink read right after this process saved the session", budgetMs, () => check(read()), readAndSave),
    await timeLoop("Ironlink read + save (the /ironlink-save route)", budgetMs, readAndSave),
    await timeLoop("Ironlink sign-in: new session + save (no scrypt)", budgetMs, () => signIn(), undefined, 20),
    await timeLoop("Ironlink first read of a session this process created", budgetMs, (fresh) => check(read(fresh)), signIn, 20),
  ];
}

/**
 * The same operations over the shared-file store (SESSION_STORE=file), to set beside the Redis rows above:
 * a read, a read + save, a sign-in. The directory is a fresh temporary one on the local disk.
 */
async function fileStoreBesideRedis(
  budgetMs: number,
  data: BenchSessionData,
  check: (session: Promise<{ user?: unknown }>) => Promise<void>,
): Promise<LoopResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "ironlink-bench-files-"));
  try {
    const manager = createSessionManager<BenchSessionData>(ironlinkOptions({ store: new FileStore({ dir }) }));
    let signIns = 0; // one person each, as above
    const signIn = () => newSession(manager, { ...data, user: { id: `u-micro-file-${++signIns}`, username: "micro" } });
    const cookie = await signIn();
    const read = () => manager.getSession(new MemoryCookies({ [ironlinkCookieName]: cookie }));
    return [
      await timeLoop("FileStore getSession read, warm (one file read)", budgetMs, () => check(read())),
      await timeLoop("FileStore read + save (lock, compare, atomic rename, index)", budgetMs, async () => {
        const session = await read();
        session.lastAction = performance.now();
        await session.save();
      }),
      await timeLoop("FileStore sign-in: new session + save (no scrypt)", budgetMs, () => signIn(), undefined, 20),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Signs a new session in (no password work) and answers its cookie. */
async function newSession(manager: SessionManager<BenchSessionData>, data: BenchSessionData): Promise<string> {
  const cookies = new MemoryCookies();
  const session = await manager.getSession(cookies);
  Object.assign(session, data);
  await session.save();
  return cookies.get(ironlinkCookieName)?.value as string;
}
