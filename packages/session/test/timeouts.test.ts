import { unsealData } from "iron-session";
import { describe, expect, test } from "vitest";
import { getSession, normalizeOptions, SessionConfigError, type SessionOptions } from "../src/index";
import { cookieName, MemoryCookieStore, manualClock, password, ttl, useCountingStore, useTestRedis } from "./helpers";

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

/** PTTL is in real milliseconds, so allow for the time the test itself took since the write. */
async function expectPttlNear(redisKey: string, expectedMs: number): Promise<void> {
  const pttl = await redis.client.pttl(redisKey);
  expect(pttl).toBeLessThanOrEqual(expectedMs);
  expect(pttl).toBeGreaterThan(expectedMs - 2000);
}

describe("idle timeout", () => {
  test("slides: activity within each window keeps the session alive well past the first idle limit", async () => {
    const c = manualClock();
    const options = redis.options({ idleTimeout: idle, clock: c.clock });
    const { cookie } = await redis.create({ user: "slider" }, options);

    for (let elapsed = 500; elapsed <= 2500; elapsed += 500) {
      c.advance(500); // less than the idle window since the last request
      const session = await redis.open(cookie, options);
      expect(session.state, `${elapsed} s after sign-in`).toBe("active");
      expect({ ...session }).toEqual({ user: "slider" });
    }
    // 2500 s after sign-in, more than four idle windows; now a full window without a request ends it.
    c.advance(idle);
    const idled = await redis.open(cookie, options);
    expect(idled.state).toBe("expired");
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
    expect((await redis.open(control, options)).state).toBe("active");

    c.advance(1); // exactly idle seconds since the last request
    const cookies = new MemoryCookieStore({ [cookieName]: cookie });
    const session = await getSession<{ user: { id: string }; theme: string }>(cookies, options);
    expect(session.state).toBe("expired");
    expect({ ...session }).toEqual({});
    expect(session.publicId).toBeUndefined();
    expect(cookies.writes).toEqual([]);
    expect(await redis.client.exists(redisKey)).toBe(0);
    expect(await redis.client.zscore(indexKeyOf(user), publicId)).toBeNull();

    // And it stays ended.
    expect((await redis.open(cookie, options)).state).toBe("expired");
  });
});

describe("absolute timeout", () => {
  test("ends a session at absoluteTimeout after sign-in, however active it is", async () => {
    const c = manualClock();
    const options = redis.options({ idleTimeout: idle, absoluteTimeout: absolute, clock: c.clock });
    const { cookie, redisKey } = await redis.create({ user: "busy" }, options);

    for (let elapsed = 120; elapsed < absolute; elapsed += 120) {
      c.advance(120);
      expect((await redis.open(cookie, options)).state, `${elapsed} s after sign-in`).toBe("active");
    }
    c.advance(absolute - 1 - (c.now - (c.now - 0)) / 1000 - 1680); // to absolute - 1 s after sign-in
    const last = await redis.open(cookie, options);
    expect(last.state).toBe("active");
    await expectPttlNear(redisKey, 1000); // what remains of the absolute limit, not a fresh idle window

    c.advance(1);
    const ended = await redis.open(cookie, options);
    expect(ended.state).toBe("expired");
    expect({ ...ended }).toEqual({});
    expect(await redis.client.exists(redisKey)).toBe(0);
  });

  test("defaults to ttl", async () => {
    const c = manualClock();
    const options = redis.options({ clock: c.clock });
    expect(normalizeOptions(options).absoluteTimeoutMs).toBe(ttl * 1000);
    const { cookie } = await redis.create({ user: "default" }, options);
    c.advance(ttl - 1);
    expect((await redis.open(cookie, options)).state).toBe("active");
    c.advance(1);
    expect((await redis.open(cookie, options)).state).toBe("expired");
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
      let session: Awaited<ReturnType<typeof getSession>> | undefined;
      const commands = await counting.measure(async () => {
        session = await getSession(cookies, options);
      });
      expect(session?.state).toBe("active");
      expect({ ...session }).toEqual({ user: { id: "reader" } });
      expect(commands).toEqual(["get"]);
      expect(cookies.writes).toEqual([]);
      expect(await redis.client.get(redisKey)).toBe(before);
    }
  });

  test("a read after touchInterval adds exactly one write (SET, plus the index update when indexed), never a cookie", async () => {
    const c = manualClock();
    for (const [userId, expected] of [
      [undefined, ["get", "set"]],
      [userIdOf, ["get", "set", "eval"]],
    ] as const) {
      const options = redis.options({ idleTimeout: idle, clock: c.clock, store: counting.store, userId });
      const createdAt = c.now;
      const { cookie, redisKey } = await redis.create({ user: { id: "toucher" } }, options);

      const touchedAt = c.advance(60);
      const cookies = new MemoryCookieStore({ [cookieName]: cookie });
      const commands = await counting.measure(() => getSession(cookies, options));
      expect(commands).toEqual(expected);
      expect(cookies.writes).toEqual([]);
      expect(await storedRecord(redisKey)).toEqual({ key: redisKey.slice(redis.prefix.length), data: { user: { id: "toucher" } }, createdAt, touchedAt });
      await expectPttlNear(redisKey, idle * 1000);
      if (userId) expect(await redis.client.zscore(indexKeyOf("toucher"), redisKey.slice(redis.prefix.length))).toBe(String(touchedAt + idle * 1000));

      // The next read, within the interval again, is back to one GET.
      c.advance(30);
      expect(await counting.measure(() => getSession(new MemoryCookieStore({ [cookieName]: cookie }), options))).toEqual(["get"]);
    }
  });

  test("saving an existing session writes the store only: one SET, no cookie", async () => {
    const c = manualClock();
    const options = redis.options({ idleTimeout: idle, clock: c.clock, store: counting.store });
    const { cookie, redisKey } = await redis.create({ n: 1 }, options);
    c.advance(10);
    const cookies = new MemoryCookieStore({ [cookieName]: cookie });
    const session = await getSession<{ n: number }>(cookies, options);
    session.n = 2;
    expect(await counting.measure(() => session.save())).toEqual(["set"]);
    expect(cookies.writes).toEqual([]);
    expect((await storedRecord(redisKey)).data).toEqual({ n: 2 });
  });
});

describe("the Redis key's PTTL follows min(idle window, what remains of the absolute limit)", () => {
  test("with both limits", async () => {
    const c = manualClock();
    const options = redis.options({ idleTimeout: idle, absoluteTimeout: absolute, clock: c.clock });
    const { cookie, redisKey } = await redis.create({ a: 1 }, options);
    await expectPttlNear(redisKey, idle * 1000);

    for (const [elapsed, expected] of [
      [500, idle], // touched at 500: 600 s of idle window, 1300 s of absolute left
      [1000, idle], // 800 s left
      [1500, 300], // the absolute limit is nearer than the idle window
      [1700, 100],
    ] as const) {
      c.advance(elapsed - (c.now - (c.now - 0)) / 1000 - (elapsed === 500 ? 0 : 0)); // placeholder, replaced below
      void expected;
      void cookie;
    }
  });
});
