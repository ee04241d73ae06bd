import { unsealData } from "iron-session";
import { describe, expect, test } from "vitest";
import { getIronSession, sessionInfo } from "../src/index";
import { SessionConfigError } from "../src/errors";
import { normalizeOptions } from "../src/options";
import { badOptions, cookieName, expectConfigError, MemoryCookieStore, manualClock, password, ttl, useCountingStore, useTestRedis } from "./helpers";

const redis = useTestRedis();
const counting = useCountingStore(redis);

const idle = 600;
const absolute = 1800;
const userIdOf = (data: Record<string, unknown>) => (data.user as { id?: string } | undefined)?.id;
const indexKeyOf = (userId: string) => `${redis.prefix}user:${userId}`;

/** The stored value's plaintext, opened with iron-session itself. */
async function storedRecord(redisKey: string): Promise<{ data: unknown; createdAt: number; touchedAt: number }> {
  const raw = await redis.client.get(redisKey);
  expect(raw).toBeTypeOf("string");
  return unsealData(raw!, { password });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** PTTL is in real milliseconds, so allow for the time the test itself took since the write (generously: CI may be loaded). */
async function expectPttlNear(redisKey: string, expectedMs: number): Promise<void> {
  const pttl = await redis.client.pttl(redisKey);
  expect(pttl).toBeLessThanOrEqual(expectedMs);
  expect(pttl).toBeGreaterThan(Math.max(0, expectedMs - 5000)); // and never -2 (no key) or -1 (no expiry)
}

describe("idle timeout", () => {
  test("slides: activity within each window keeps the session alive well past the first idle limit", async () => {
    const c = manualClock();
    const options = redis.options({ idleTimeout: idle, clock: c.clock });
    const { cookie } = await redis.create({ user: "slider" }, options);

    for (let elapsed = 500; elapsed <= 2500; elapsed += 500) {
      c.advance(500); // less than the idle window since the last request
      const session = await redis.open(cookie, options);
      expect(sessionInfo(session).state, `${elapsed} s after sign-in`).toBe("active");
      expect({ ...session }).toEqual({ user: "slider" });
    }
    // 2500 s after sign-in, more than four idle windows; now a full window without a request ends it.
    c.advance(idle);
    const idled = await redis.open(cookie, options);
    expect(sessionInfo(idled).state).toBe("expired");
    expect({ ...idled }).toEqual({});
  });

  test("expiry: state expired, data empty, and the Redis key and its index entry are deleted", async () => {
    const c = manualClock();
    const options = redis.options({ idleTimeout: idle, clock: c.clock, userId: userIdOf });
    const user = crypto.randomUUID();
    const { cookie, redisKey } = await redis.create({ user: { id: user }, theme: "dark" }, options);
    const publicId = redisKey.slice(redis.prefix.length);
    expect(await redis.client.zscore(indexKeyOf(user), publicId)).toBe(String(c.now + idle * 1000));

    // One second short of the limit it is alive (a second session, so this read does not slide the first one).
    const { cookie: control } = await redis.create({ user: { id: user } }, options);
    c.advance(idle - 1);
    expect(sessionInfo(await redis.open(control, options)).state).toBe("active");

    c.advance(1); // exactly idle seconds since the last request
    const cookies = new MemoryCookieStore({ [cookieName]: cookie });
    const session = await getIronSession<{ user: { id: string }; theme: string }>(cookies, options);
    expect(sessionInfo(session).state).toBe("expired");
    expect({ ...session }).toEqual({});
    expect(sessionInfo(session).publicId).toBeUndefined();
    expect(cookies.writes).toEqual([]);
    expect(await redis.client.exists(redisKey)).toBe(0);
    expect(await redis.client.zscore(indexKeyOf(user), publicId)).toBeNull();

    // And it stays ended.
    expect(sessionInfo(await redis.open(cookie, options)).state).toBe("expired");
  });
});

describe("absolute timeout", () => {
  test("ends a session at absoluteTimeout after sign-in, however active it is", async () => {
    const c = manualClock();
    const options = redis.options({ idleTimeout: idle, absoluteTimeout: absolute, clock: c.clock });
    const { cookie, redisKey } = await redis.create({ user: "busy" }, options);

    for (let elapsed = 120; elapsed < absolute; elapsed += 120) {
      c.advance(120);
      expect(sessionInfo(await redis.open(cookie, options)).state, `${elapsed} s after sign-in`).toBe("active");
    }
    c.at(absolute - 1);
    const last = await redis.open(cookie, options);
    expect(sessionInfo(last).state).toBe("active");
    await expectPttlNear(redisKey, 1000); // what remains of the absolute limit, not a fresh idle window

    c.advance(1);
    const ended = await redis.open(cookie, options);
    expect(sessionInfo(ended).state).toBe("expired");
    expect({ ...ended }).toEqual({});
    expect(await redis.client.exists(redisKey)).toBe(0);
  });

  test("defaults to none: without saves a session ends as its cookie's seal does, ttl (plus iron's minute of skew) after the last save", async () => {
    const c = manualClock();
    const options = redis.options({ clock: c.clock });
    expect(normalizeOptions(options).absoluteTimeoutMs).toBeUndefined();
    const { cookie } = await redis.create({ user: "default" }, options);
    c.advance(ttl + 60 - 1);
    expect(sessionInfo(await redis.open(cookie, options)).state).toBe("active");
    c.advance(1);
    expect(sessionInfo(await redis.open(cookie, options)).state).toBe("expired");
  });
});

describe("reads: one GET, and a write only when the idle window is due an extension", () => {
  test("a read within touchInterval sends exactly one command, a GET, and writes nothing", async () => {
    const c = manualClock();
    for (const userId of [undefined, userIdOf]) {
      const options = redis.options({ idleTimeout: idle, clock: c.clock, store: counting.store, userId });
      expect(normalizeOptions(options).touchIntervalMs).toBe(60_000); // min(60, idle / 5)
      const { cookie, redisKey } = await redis.create({ user: { id: "reader" } }, options);
      const before = await redis.client.get(redisKey);

      c.advance(59);
      const cookies = new MemoryCookieStore({ [cookieName]: cookie });
      let session: Awaited<ReturnType<typeof getIronSession>> | undefined;
      const commands = await counting.measure(async () => {
        session = await getIronSession(cookies, options);
      });
      expect(sessionInfo(session!).state).toBe("active");
      expect({ ...session }).toEqual({ user: { id: "reader" } });
      expect(commands).toEqual(["get"]);
      expect(cookies.writes).toEqual([]);
      expect(await redis.client.get(redisKey)).toBe(before);
    }
  });

  test("a read after touchInterval adds exactly one write (a compare-and-set, plus the index update when indexed), never a cookie", async () => {
    const c = manualClock();
    for (const [userId, expected] of [
      [undefined, ["get", "evalsha"]],
      [userIdOf, ["get", "evalsha", "evalsha"]],
    ] as const) {
      const options = redis.options({ idleTimeout: idle, clock: c.clock, store: counting.store, userId });
      const createdAt = c.now;
      const { cookie, redisKey } = await redis.create({ user: { id: "toucher" } }, options);

      const touchedAt = c.advance(60);
      const cookies = new MemoryCookieStore({ [cookieName]: cookie });
      const commands = await counting.measure(() => getIronSession(cookies, options));
      expect(commands).toEqual(expected);
      expect(cookies.writes).toEqual([]);
      // A read extends the idle window only: the session's ttl still counts from its last save.
      const cookieOpensUntil = createdAt + (ttl + 60) * 1000;
      expect(await storedRecord(redisKey)).toEqual({ key: redisKey.slice(redis.prefix.length), data: { user: { id: "toucher" } }, createdAt, touchedAt, cookieOpensUntil });
      await expectPttlNear(redisKey, idle * 1000);
      if (userId) expect(await redis.client.zscore(indexKeyOf("toucher"), redisKey.slice(redis.prefix.length))).toBe(String(touchedAt + idle * 1000));

      // The next read, within the interval again, is back to one GET.
      c.advance(30);
      expect(await counting.measure(() => getIronSession(new MemoryCookieStore({ [cookieName]: cookie }), options))).toEqual(["get"]);
    }
  });

  test("saving an existing session writes the store once, a compare-and-set, and sends its cookie again", async () => {
    const c = manualClock();
    const options = redis.options({ idleTimeout: idle, clock: c.clock, store: counting.store });
    const { cookie, redisKey } = await redis.create({ n: 1 }, options);
    c.advance(10);
    const cookies = new MemoryCookieStore({ [cookieName]: cookie });
    const session = await getIronSession<{ n: number }>(cookies, options);
    session.n = 2;
    expect(await counting.measure(() => session.save())).toEqual(["evalsha"]);
    expect(cookies.writes).toHaveLength(1);
    expect((await storedRecord(redisKey)).data).toEqual({ n: 2 });
  });
});

describe("the Redis key's PTTL follows min(idle window, what remains of the absolute limit)", () => {
  test("with both limits, on reads that touch and on saves", async () => {
    const c = manualClock();
    const options = redis.options({ idleTimeout: idle, absoluteTimeout: absolute, clock: c.clock });
    const { cookie, redisKey } = await redis.create({ a: 1 }, options);
    await expectPttlNear(redisKey, idle * 1000);

    for (const [elapsed, remaining] of [
      [500, idle], // 1300 s of the absolute limit left: the idle window is nearer
      [1000, idle], // 800 s left
      [1500, 300], // now the absolute limit is nearer
      [1700, 100],
    ] as const) {
      c.at(elapsed);
      expect(sessionInfo(await redis.open(cookie, options)).state).toBe("active");
      await expectPttlNear(redisKey, remaining * 1000);
    }

    c.at(1750);
    const session = await getIronSession<{ a: number }>(new MemoryCookieStore({ [cookieName]: cookie }), options);
    session.a = 2;
    await session.save();
    await expectPttlNear(redisKey, 50_000);
  });

  test("without an idle timeout, the absolute limit alone", async () => {
    const c = manualClock();
    const options = redis.options({ absoluteTimeout: absolute, clock: c.clock });
    const { cookie, redisKey } = await redis.create({ a: 1 }, options);
    await expectPttlNear(redisKey, absolute * 1000);
    c.at(1000);
    expect(sessionInfo(await redis.open(cookie, options)).state).toBe("active"); // touches: last seen, not a longer life
    await expectPttlNear(redisKey, (absolute - 1000) * 1000);
  });
});

describe("validation of the new options: SessionConfigError saying what to do", () => {
  const bad = badOptions(redis);

  test("absoluteTimeout above ttl is accepted: sessions roll on with each save, so it is what caps them", () => {
    expect(normalizeOptions(bad({ ttl: 3600, absoluteTimeout: 3601 })).absoluteTimeoutMs).toBe(3_601_000);
    expect(normalizeOptions(bad({ ttl: undefined, absoluteTimeout: 15 * 24 * 3600 })).absoluteTimeoutMs).toBe(15 * 24 * 3600_000);
    expect(normalizeOptions(bad({ ttl: 3600, absoluteTimeout: 3600 })).absoluteTimeoutMs).toBe(3_600_000);
  });

  test("touchInterval not shorter than idleTimeout", () => {
    expectConfigError(bad({ idleTimeout: 600, touchInterval: 600 }), /`touchInterval` must be shorter than `idleTimeout`/);
    expectConfigError(bad({ idleTimeout: 600, touchInterval: 601 }), /`touchInterval` must be shorter than `idleTimeout`/);
    expect(normalizeOptions(bad({ idleTimeout: 600, touchInterval: 599 })).touchIntervalMs).toBe(599_000);
  });

  test("touchInterval defaults to min(60, idleTimeout / 5), or 60 without an idle timeout", () => {
    expect(normalizeOptions(bad({ idleTimeout: 1800 })).touchIntervalMs).toBe(60_000);
    expect(normalizeOptions(bad({ idleTimeout: 100 })).touchIntervalMs).toBe(20_000);
    expect(normalizeOptions(bad({})).touchIntervalMs).toBe(60_000);
    expect(normalizeOptions(bad({})).idleTimeoutMs).toBeUndefined();
  });

  test("zero, negative, non-finite or non-number durations", () => {
    for (const name of ["idleTimeout", "absoluteTimeout", "touchInterval"]) {
      for (const value of [0, -1, -0.5, Number.NaN, Number.POSITIVE_INFINITY, "600", null]) {
        expectConfigError(bad({ [name]: value }), new RegExp(escapeRegExp(`\`${name}\` must be a positive number of seconds (got ${String(value)})`)));
      }
    }
  });

  test("userId that is not a function", () => {
    for (const value of ["user.id", 42, { id: "x" }, null]) {
      expectConfigError(bad({ userId: value }), /`userId` must be a function returning the user id from the session data/);
    }
    expect(() => normalizeOptions(bad({ userId: userIdOf }))).not.toThrow();
  });

  test("legacyCookies other than \"migrate\" or \"ignore\"", () => {
    for (const value of ["yes", "MIGRATE", "", true, 1]) {
      expectConfigError(bad({ legacyCookies: value }), /`legacyCookies` must be "migrate" or "ignore"/);
    }
    expect(normalizeOptions(bad({})).legacyCookies).toBe("migrate");
    expect(normalizeOptions(bad({ legacyCookies: "ignore" })).legacyCookies).toBe("ignore");
    expect(normalizeOptions(bad({ legacyCookies: "migrate" })).legacyCookies).toBe("migrate");
  });

  test("getIronSession and createSessionManager reject them too", async () => {
    const options = bad({ idleTimeout: 60, touchInterval: 60 });
    await expect(getIronSession(new MemoryCookieStore(), options)).rejects.toBeInstanceOf(SessionConfigError);
    expect(() => redis.manager(options)).toThrow(SessionConfigError);
  });
});
