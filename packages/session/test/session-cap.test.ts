import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { createSessionManager, getIronSession, sessionInfo, type SessionOptions, type SessionStore } from "../src/index";
import { FileStore } from "../src/file";
import { readFleetConfig } from "../src/fleet/config";
import { badOptions, cookieName, expectConfigError, MemoryCookieStore, manualClock, password, useTestRedis } from "./helpers";

/**
 * Issue 22, weakness 2: a user holds at most `maxSessionsPerUser` live sessions (SESSION_MAX_PER_USER,
 * default 50). A sign-in beyond ends the oldest by sign-in time, not by the index's expiry order, and each
 * end is announced to `subscribeEnded` like any sign-out. On this run's Redis topology and on the file store.
 */
const redis = useTestRedis();
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

type Data = { user?: { id: string }; device?: number };

const stores: [string, () => Promise<SessionStore>][] = [
  ["RedisStore", async () => redis.store],
  [
    "FileStore",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "ironlink-cap-"));
      dirs.push(dir);
      return new FileStore({ dir });
    },
  ],
];

describe.each(stores)("%s: sessions per user", (_name, openStore) => {
  function setup(extra: Partial<SessionOptions> = {}) {
    const c = manualClock();
    return openStore().then((store) => {
      const options: SessionOptions = { password, cookieName, ttl: 3600, store, userId: (data) => (data as Data).user?.id, clock: c.clock, ...extra };
      return { c, store, options, manager: createSessionManager<Data>(options) };
    });
  }

  /** A sign-in: a new session of the user, saved; its public id and cookie. */
  async function signIn(options: SessionOptions, userId: string, device: number) {
    const cookies = new MemoryCookieStore();
    const session = await getIronSession<Data>(cookies, options);
    Object.assign(session, { user: { id: userId }, device });
    await session.save();
    return { publicId: sessionInfo(session).publicId as string, cookie: cookies.written() };
  }

  test("51 sign-ins by default leave 50 sessions: the first one ended, and announced", async () => {
    const { c, store, options, manager } = await setup();
    const user = randomUUID();
    const heard: string[] = [];
    const stop = await store.subscribeEnded!((key) => heard.push(key), () => undefined);
    try {
      const signIns = [];
      for (let i = 0; i < 51; i++) {
        c.advance(1);
        signIns.push(await signIn(options, user, i));
      }
      const listed = await manager.listSessions(user);
      expect(listed).toHaveLength(50);
      expect(listed.map((s) => s.data.device).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      const [first] = signIns;
      expect(await store.get(first!.publicId)).toBeNull();
      const opened = await getIronSession<Data>(new MemoryCookieStore({ [cookieName]: first!.cookie }), options);
      expect(sessionInfo(opened).state).toBe("expired");
      // Announced like a sign-out (the file store's announcements are polled: up to a few hundred ms).
      const deadline = Date.now() + 5_000;
      while (!heard.includes(first!.publicId) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(heard).toEqual([first!.publicId]);
    } finally {
      await stop();
    }
  });

  test("the oldest by sign-in goes, even when it was used last (its expiry, the index's order, is the latest)", async () => {
    const { c, options, manager } = await setup({ maxSessionsPerUser: 3, idleTimeout: 600, touchInterval: 1 });
    const user = randomUUID();
    const first = await signIn(options, user, 1);
    c.advance(10);
    const second = await signIn(options, user, 2);
    c.advance(10);
    const third = await signIn(options, user, 3);
    c.advance(10);
    // The first device is used now: its idle window, and so its index score, moves past the others'.
    const reopened = await getIronSession<Data>(new MemoryCookieStore({ [cookieName]: first.cookie }), options);
    expect(sessionInfo(reopened).state).toBe("active");
    c.advance(10);
    const fourth = await signIn(options, user, 4);
    expect((await manager.listSessions(user)).map((s) => s.publicId).sort()).toEqual([second, third, fourth].map((s) => s.publicId).sort());
  });

  test("two sign-ins at once at the cap end the same oldest, never each other: the newest stay", async () => {
    const { c, options, manager } = await setup({ maxSessionsPerUser: 4 });
    const user = randomUUID();
    const old = [];
    for (let i = 0; i < 4; i++) {
      c.advance(1);
      old.push(await signIn(options, user, i));
    }
    c.advance(1);
    const both = await Promise.all([signIn(options, user, 10), signIn(options, user, 11)]);
    const left = (await manager.listSessions(user)).map((s) => s.publicId).sort();
    expect(left).toEqual([old[2]!, old[3]!, ...both].map((s) => s.publicId).sort());
  });

  test("a store that does not say how many sessions the user holds gets the same cap (by listing at each sign-in)", async () => {
    const { c, store } = await setup();
    const quiet: SessionStore = {
      get: (key) => store.get(key),
      set: async (key, value, write) => {
        const result = await store.set(key, value, write);
        return result.status === "written" ? { status: "written" } : result;
      },
      delete: (key, userId, options) => store.delete(key, userId, options),
      listByUser: (userId, now) => store.listByUser(userId, now),
      claim: (key, expiresAt, now) => store.claim(key, expiresAt, now),
      isClaimed: (key) => store.isClaimed(key),
    };
    const options: SessionOptions = { password, cookieName, ttl: 3600, store: quiet, userId: (data) => (data as Data).user?.id, clock: c.clock, maxSessionsPerUser: 3 };
    const user = randomUUID();
    const signIns = [];
    for (let i = 0; i < 5; i++) {
      c.advance(1);
      signIns.push(await signIn(options, user, i));
    }
    const left = (await createSessionManager<Data>(options).listSessions(user)).map((s) => s.publicId).sort();
    expect(left).toEqual(signIns.slice(2).map((s) => s.publicId).sort());
  });

  test("other users' sessions and anonymous ones are not counted", async () => {
    const { options, manager } = await setup({ maxSessionsPerUser: 2 });
    const [user, other] = [randomUUID(), randomUUID()];
    await signIn(options, other, 1);
    await signIn(options, other, 2);
    const anonymous = await getIronSession<Data>(new MemoryCookieStore(), options);
    anonymous.device = 9;
    await anonymous.save();
    await signIn(options, user, 1);
    await signIn(options, user, 2);
    expect(await manager.listSessions(user)).toHaveLength(2);
    expect(await manager.listSessions(other)).toHaveLength(2);
    expect(sessionInfo(anonymous).state).toBe("active");
  });

  test("a session that becomes the user's on a later save counts too", async () => {
    const { options, manager } = await setup({ maxSessionsPerUser: 1 });
    const user = randomUUID();
    const first = await signIn(options, user, 1);
    const cookies = new MemoryCookieStore();
    const session = await getIronSession<Data>(cookies, options);
    session.device = 2;
    await session.save(); // anonymous first
    session.user = { id: user };
    await session.save(); // then signed in without a new id
    expect((await manager.listSessions(user)).map((s) => s.publicId)).toEqual([sessionInfo(session).publicId]);
    expect(first.publicId).not.toBe(sessionInfo(session).publicId);
  });
});

describe("maxSessionsPerUser and SESSION_MAX_PER_USER", () => {
  const bad = badOptions(redis);
  test("must be a whole number of at least 1", () => {
    for (const value of [0, -1, 1.5, Number.NaN, "3", null]) {
      expectConfigError(bad({ maxSessionsPerUser: value }), /`maxSessionsPerUser` must be a whole number of at least 1/);
    }
  });

  test("the fleet reads SESSION_MAX_PER_USER, 50 by default, and refuses a malformed one", () => {
    const env = { SESSION_PASSWORD: "x".repeat(32) };
    expect(readFleetConfig(env).maxSessionsPerUser).toBe(50);
    expect(readFleetConfig({ ...env, SESSION_MAX_PER_USER: "3" }).maxSessionsPerUser).toBe(3);
    for (const raw of ["0", "2.5", "many"]) expect(() => readFleetConfig({ ...env, SESSION_MAX_PER_USER: raw })).toThrow(/SESSION_MAX_PER_USER must be a whole number of at least 1/);
  });
});
