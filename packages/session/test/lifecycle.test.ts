import { webcrypto } from "node:crypto";
import { sealData } from "iron-session";
import { defaults as ironDefaults, seal as ironSeal } from "iron-webcrypto";
import { describe, expect, expectTypeOf, test } from "vitest";
import { getIronSession, regenerateSession, sessionInfo } from "../src/index";
import { storeKeyFor } from "../src/session-id";
import { cookieName, MemoryCookieStore, manualClock, password, sidOf, storedValue, ttl, useTestRedis } from "./helpers";

const redis = useTestRedis();

/**
 * A cookie for `sid` sealed the way iron-session seals, but made `secondsAgo` in the past, so its
 * expiry (ttl after that) is already behind us. No sleeping needed.
 */
async function sealMadeInThePast(data: object, secondsAgo: number, sealTtl = ttl): Promise<string> {
  const sealed = await ironSeal(webcrypto as unknown as Parameters<typeof ironSeal>[0], data, { id: "1", secret: password }, {
    ...ironDefaults,
    ttl: sealTtl * 1000,
    localtimeOffsetMsec: -secondsAgo * 1000,
  });
  return `${sealed}~2`; // iron-session's version suffix
}

describe("save and load", () => {
  test("a new session is empty, and saved data comes back in a later request", async () => {
    const fresh = await redis.open();
    expect({ ...fresh }).toEqual({});
    const { cookie } = await redis.create({ user: { id: "u1" }, n: 1 });
    expect({ ...(await redis.open(cookie)) }).toEqual({ user: { id: "u1" }, n: 1 });
  });

  test("an anonymous request writes nothing to Redis or the cookie until save()", async () => {
    const before = await redis.keys();
    const cookies = new MemoryCookieStore();
    const session = await getIronSession<{ a: number }>(cookies, redis.options());
    session.a = 1;
    expect(cookies.writes).toEqual([]);
    expect(await redis.keys()).toEqual(before);
  });

  test("data far larger than a cookie round-trips, since it lives in Redis", async () => {
    const big = { blob: "x".repeat(20_000), list: Array.from({ length: 500 }, (_, i) => ({ i })) };
    const { cookie } = await redis.create(big);
    expect(cookie.length).toBeLessThan(400);
    expect({ ...(await redis.open(cookie)) }).toEqual(big);
  });

  test("data is JSON: the methods are not enumerable, so the session serialises to its data alone", async () => {
    const { cookie } = await redis.create({ user: { id: "u9" }, when: "2024-01-01" });
    const session = await redis.open<{ user: { id: string }; when: string }>(cookie);
    expect(Object.keys(session).sort()).toEqual(["user", "when"]);
    expect(JSON.stringify(session)).toBe(JSON.stringify({ user: { id: "u9" }, when: "2024-01-01" }));
    expect(typeof session.save).toBe("function");
    expect(typeof session.destroy).toBe("function");
    expect(typeof session.updateConfig).toBe("function");
    for (const method of ["save", "destroy", "updateConfig"]) {
      expect(Object.getOwnPropertyDescriptor(session, method)?.enumerable).toBe(false);
    }
    expectTypeOf(session.user).toEqualTypeOf<{ id: string } | undefined>();
    expectTypeOf(session.save).toEqualTypeOf<() => Promise<void>>();
  });

  test("values that JSON cannot keep come back as JSON made them", async () => {
    const { cookie } = await redis.create({ at: "2024-05-06T07:08:09.000Z", gone: undefined, n: Number.NaN });
    expect({ ...(await redis.open(cookie)) }).toEqual({ at: "2024-05-06T07:08:09.000Z", n: null });
  });

  test("a Date (or a Map, a Set, a function) is refused, as iron-session 9 does, naming the field and the fix; nothing is written", async () => {
    const before = (await redis.keys()).sort();
    for (const [value, what] of [
      [new Date("2024-05-06T07:08:09.000Z"), "session.profile.at is a Date"],
      [new Map([["a", 1]]), "session.profile.at is a Map"],
      [new Set([1]), "session.profile.at is a Set"],
      [() => 1, "session.profile.at is a function"],
    ] as const) {
      const cookies = new MemoryCookieStore();
      const session = await getIronSession<{ profile: { at: unknown } }>(cookies, redis.options());
      session.profile = { at: value };
      const saving = session.save();
      await expect(saving, what).rejects.toThrow(what);
      await expect(saving).rejects.toThrow(/a Date must be stored as a timestamp \(Date\.now\(\)\)/);
      expect(cookies.writes).toEqual([]);
    }
    expect((await redis.keys()).sort()).toEqual(before);
  });
});

describe("lifetimes", () => {
  test("the Redis key lives as long as the cookie's seal opens (ttl, and iron's minute of clock skew) and the cookie for ttl - 60", async () => {
    const cookies = new MemoryCookieStore();
    const session = await getIronSession<{ a: number }>(cookies, redis.options({ ttl: 7200 }));
    session.a = 1;
    await session.save();

    const sid = await sidOf(cookies.written());
    const remaining = await redis.client.ttl(redis.prefix + storeKeyFor(sid));
    expect(remaining).toBeGreaterThanOrEqual(7258);
    expect(remaining).toBeLessThanOrEqual(7260);
    expect(cookies.writes.at(-1)?.options?.maxAge).toBe(7200 - 60);
  });

  test("saving again slides the expiry forward", async () => {
    const { cookie, redisKey } = await redis.create({ a: 1 });
    await redis.client.expire(redisKey, 100);
    const session = await redis.open(cookie);
    await session.save();
    expect(await redis.client.ttl(redisKey)).toBeGreaterThan(ttl - 3);
  });

  test("a cookie seal past its expiry is no session, though Redis still has it", async () => {
    const { sid } = await redis.create({ user: "expired-cookie" });
    // Control: the same construction, made now, opens.
    expect({ ...(await redis.open(await sealMadeInThePast({ sid }, 0))) }).toEqual({ user: "expired-cookie" });
    // Made ttl + 2 minutes ago (iron allows 60 s of clock skew): expired.
    const expired = await sealMadeInThePast({ sid }, ttl + 120);
    expect({ ...(await redis.open(expired)) }).toEqual({});
  });

  test("a stored value past its seal's expiry is no session, though its cookie is fresh", async () => {
    const { sid, cookie } = await redis.create({ user: "expired-value" });
    const key = storeKeyFor(sid);
    const value = storedValue(key, { user: "expired-value" });
    // Control: the same construction, made now, opens.
    await redis.client.set(redis.prefix + key, await sealMadeInThePast(value, 0), "EX", ttl);
    expect({ ...(await redis.open(cookie)) }).toEqual({ user: "expired-value" });
    await redis.client.set(redis.prefix + key, await sealMadeInThePast(value, ttl + 120), "EX", ttl);
    expect({ ...(await redis.open(cookie)) }).toEqual({});
  });

  test("a session whose Redis key is deleted (revoked) is no session", async () => {
    const { cookie, redisKey } = await redis.create({ user: "revoked" });
    expect({ ...(await redis.open(cookie)) }).toEqual({ user: "revoked" });
    expect(await redis.client.del(redisKey)).toBe(1);
    expect({ ...(await redis.open(cookie)) }).toEqual({});
  });
});

describe("destroy()", () => {
  test("deletes the Redis key, clears the cookie and the data; the old cookie is anonymous", async () => {
    const { cookie, redisKey } = await redis.create({ user: "bye" });
    const cookies = new MemoryCookieStore({ [cookieName]: cookie });
    const session = await getIronSession<{ user: string }>(cookies, redis.options());
    expect(session.user).toBe("bye");

    await session.destroy();
    expect(await redis.client.exists(redisKey)).toBe(0);
    expect({ ...session }).toEqual({});
    const clearing = cookies.writes.at(-1)!;
    expect(clearing).toMatchObject({ name: cookieName, value: "" });
    expect(clearing.options?.maxAge).toBe(0);

    expect({ ...(await redis.open(cookie)) }).toEqual({});
  });

  test("signs out everywhere: destroy in one app and the other app's next request is anonymous", async () => {
    const { cookie } = await redis.create({ user: "global" });
    const appOne = await getIronSession<{ user: string }>(new MemoryCookieStore({ [cookieName]: cookie }), redis.options());
    const appTwo = await getIronSession<{ user: string }>(new MemoryCookieStore({ [cookieName]: cookie }), redis.options());
    expect(appOne.user).toBe("global");
    expect(appTwo.user).toBe("global");

    await appOne.destroy();
    const appTwoNext = await getIronSession<{ user: string }>(new MemoryCookieStore({ [cookieName]: cookie }), redis.options());
    expect({ ...appTwoNext }).toEqual({});
  });

  test("a save() in an app that loaded the session before sign-out does not bring it back", async () => {
    const { cookie, redisKey } = await redis.create({ user: "racing" });
    const appTwoCookies = new MemoryCookieStore({ [cookieName]: cookie });
    const appTwo = await getIronSession<{ user: string; theme: string }>(appTwoCookies, redis.options());
    expect(appTwo.user).toBe("racing");

    await (await redis.open(cookie)).destroy(); // signed out in app one meanwhile
    appTwo.theme = "dark";
    await appTwo.save();

    expect(await redis.client.exists(redisKey)).toBe(0);
    expect(appTwoCookies.writes).toHaveLength(0);
    expect({ ...appTwo }).toEqual({});
    expect({ ...(await redis.open(cookie)) }).toEqual({});
  });

  test("50 rounds of save() racing destroy() (and a touching read racing destroy()): the session never comes back", async () => {
    const userId = (data: Record<string, unknown>) => (data.user as { id?: string } | undefined)?.id;
    const c = manualClock();
    const options = redis.options({ userId, idleTimeout: 600, clock: c.clock });
    const manager = redis.manager(options);
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    for (let round = 0; round < 50; round++) {
      const user = `racer-${round}`;
      const { cookie, redisKey } = await redis.create({ user: { id: user } }, options);
      const saver = await getIronSession<{ user: { id: string }; theme: string }>(new MemoryCookieStore({ [cookieName]: cookie }), options);
      const destroyer = await redis.open(cookie, options);
      saver.theme = `round ${round}`;
      // Vary who reaches Redis first: the save seals before it writes, so a destroy sent at once usually wins
      // (in practice a few rounds in 50 have the save's SET first, then the DEL; both must end the same).
      const [saveDelay, destroyDelay] = ([[0, 0], [0, 1], [0, 2], [1, 0], [2, 0]] as const)[round % 5]!;
      const racers: Promise<unknown>[] = [pause(saveDelay).then(() => saver.save()), pause(destroyDelay).then(() => destroyer.destroy())];
      if (round % 2) {
        c.advance(61); // due a touch: a read that writes
        racers.push(redis.open(cookie, options));
      }
      await Promise.all(racers);

      expect(await redis.client.exists(redisKey), `round ${round}`).toBe(0);
      const after = await redis.open(cookie, options);
      expect(sessionInfo(after).state, `round ${round}`).toBe("expired");
      expect({ ...after }).toEqual({});
      expect(await manager.listSessions(user)).toEqual([]);
      expect(await redis.client.exists(`${redis.prefix}user:${user}`)).toBe(0); // any stale index entry pruned
    }
  });

  test("on an anonymous session just clears the cookie", async () => {
    const cookies = new MemoryCookieStore();
    const session = await getIronSession(cookies, redis.options());
    await expect(session.destroy()).resolves.toBeUndefined();
    expect(cookies.writes).toHaveLength(1);
    expect(cookies.writes[0]?.options?.maxAge).toBe(0);
  });
});

describe("regenerate()", () => {
  test("gives a new id, deletes the old key and clears the data; the old cookie is then anonymous", async () => {
    const { cookie: oldCookie, sid: oldSid, redisKey: oldKey } = await redis.create({ user: "planted" });
    const cookies = new MemoryCookieStore({ [cookieName]: oldCookie });
    const session = await getIronSession<{ user: string }>(cookies, redis.options());
    expect(session.user).toBe("planted");

    await regenerateSession(session);
    expect({ ...session }).toEqual({});
    expect(await redis.client.exists(oldKey)).toBe(0);

    session.user = "signed-in";
    await session.save();
    const newCookie = cookies.written();
    const newSid = await sidOf(newCookie);
    expect(newSid).not.toBe(oldSid);
    expect(newSid).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect({ ...(await redis.open(oldCookie)) }).toEqual({});
    expect({ ...(await redis.open(newCookie)) }).toEqual({ user: "signed-in" });
  });

  test("on an anonymous session starts one that save() writes", async () => {
    const cookies = new MemoryCookieStore();
    const session = await getIronSession<{ user: string }>(cookies, redis.options());
    await regenerateSession(session);
    session.user = "new";
    await session.save();
    expect({ ...(await redis.open(cookies.written())) }).toEqual({ user: "new" });
  });
});

describe("a cookie sealed by iron-session with its default options", () => {
  test("is accepted as long as it holds a valid sid", async () => {
    const { sid } = await redis.create({ user: "defaults" });
    expect({ ...(await redis.open(await sealData({ sid }, { password }))) }).toEqual({ user: "defaults" });
  });
});
