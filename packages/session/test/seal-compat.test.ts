import { sealData, unsealData } from "iron-session";
import { describe, expect, test } from "vitest";
import { getIronSession, sessionInfo } from "../src/index";
import { generateSessionId, storeKeyFor } from "../src/session-id";
import { cookieName, MemoryCookieStore, otherPassword, password, sidOf, ttl, useTestRedis } from "./helpers";

const redis = useTestRedis();

/** The password id of an iron seal: `Fe26.2*<id>*...`. */
const passwordIdOf = (seal: string) => seal.split("*")[1];

describe("seals are iron-session's own", () => {
  test("the cookie holds only { sid }, and iron-session's unsealData opens it", async () => {
    const cookies = new MemoryCookieStore();
    const session = await getIronSession<{ user: { id: string; name: string } }>(cookies, redis.options());
    session.user = { id: "u1", name: "Ada" };
    await session.save();

    const cookie = cookies.written();
    expect(cookie.startsWith("Fe26.2*")).toBe(true);
    const payload = await unsealData<Record<string, unknown>>(cookie, { password });
    expect(Object.keys(payload)).toEqual(["sid"]);
    expect(payload.sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(payload)).not.toContain("Ada");
  });

  test("the Redis value is { key, data, createdAt, touchedAt, cookieOpensUntil }, sealed, and iron-session's unsealData opens it", async () => {
    const data = { user: { id: "u2", roles: ["admin", "dev"] }, count: 3, flag: false, note: null };
    const now = 1_700_000_000_000;
    const { sid } = await redis.create(data, { clock: () => now });

    const raw = await redis.client.get(redis.prefix + storeKeyFor(sid));
    expect(raw).toBeTypeOf("string");
    expect(raw!.startsWith("Fe26.2*")).toBe(true);
    expect(raw).not.toContain("admin");
    const value = await unsealData<Record<string, unknown>>(raw!, { password });
    // cookieOpensUntil: the cookie this save sent opens for ttl, plus iron's minute of clock skew.
    expect(value).toEqual({ key: storeKeyFor(sid), data, createdAt: now, touchedAt: now, cookieOpensUntil: now + (ttl + 60) * 1000 });
  });

  test("a cookie and Redis value made by iron-session's sealData load through getIronSession", async () => {
    const sid = generateSessionId();
    const key = storeKeyFor(sid);
    const data = { user: { id: "u3" }, theme: "dark" };
    const createdAt = Date.now() - 5000;
    await redis.client.set(redis.prefix + key, await sealData({ key, data, createdAt, touchedAt: createdAt }, { password, ttl }), "EX", ttl);
    const cookie = await sealData({ sid }, { password, ttl });

    const session = await redis.open<typeof data>(cookie);
    expect({ ...session }).toEqual(data);
    expect(sessionInfo(session).state).toBe("active");
    expect(sessionInfo(session).publicId).toBe(key);

    // And saving it again keeps the same id: the session continues rather than forks. The cookie, still
    // pointing at the same id, is sealed and sent again (a rolling session, as in iron-session).
    const cookies = new MemoryCookieStore({ [cookieName]: cookie });
    const again = await getIronSession<typeof data & { visits: number }>(cookies, redis.options());
    again.visits = 1;
    await again.save();
    expect(cookies.writes).toHaveLength(1);
    expect(await sidOf(cookies.written())).toBe(sid);
    expect(sessionInfo(again).publicId).toBe(key);
    const stored = await unsealData<{ key: string; data: unknown; createdAt: number; touchedAt: number }>(
      (await redis.client.get(redis.prefix + key))!,
      { password },
    );
    expect(stored).toMatchObject({ key, data: { ...data, visits: 1 }, createdAt });
    expect(stored.touchedAt).toBeGreaterThanOrEqual(createdAt + 5000);
  });
});

describe("password rotation", () => {
  const rotated = { 1: password, 2: otherPassword };

  test("sessions sealed with { 1: a } open with { 1: a, 2: b }", async () => {
    const { cookie } = await redis.create({ user: "rotated" }, { password: { 1: password } });
    expect(passwordIdOf(cookie)).toBe("1");
    const session = await redis.open(cookie, { password: rotated });
    expect({ ...session }).toEqual({ user: "rotated" });
  });

  test("new seals made with the map use the highest id, 2: a new session's cookie and every stored value a save writes", async () => {
    // A new session: its cookie and value are sealed with password 2.
    const { cookie: newCookie, redisKey: newKey } = await redis.create({ user: "fresh" }, { password: rotated });
    expect(passwordIdOf(newCookie)).toBe("2");
    expect(passwordIdOf((await redis.client.get(newKey))!)).toBe("2");
    // Sealed with b: only b opens them now.
    expect(await unsealData(newCookie, { password: { 2: otherPassword } })).toHaveProperty("sid");
    expect(await unsealData(newCookie, { password: { 1: password } })).toEqual({});
    expect({ ...(await redis.open(newCookie, { password: { 2: otherPassword } })) }).toEqual({ user: "fresh" });

    // An existing session sealed with 1: saving it re-seals its stored value and its cookie with 2 (the
    // same id), and the old cookie, sealed with 1, keeps opening under the map.
    const { cookie: oldCookie, redisKey: oldKey } = await redis.create({ user: "r2" }, { password: { 1: password } });
    expect(passwordIdOf((await redis.client.get(oldKey))!)).toBe("1");
    const cookies = new MemoryCookieStore({ [cookieName]: oldCookie });
    const session = await getIronSession<{ user: string; n: number }>(cookies, redis.options({ password: rotated }));
    session.n = 1;
    await session.save();
    expect(cookies.writes).toHaveLength(1);
    expect(passwordIdOf(cookies.written())).toBe("2");
    expect(await sidOf(cookies.written(), rotated)).toBe(await sidOf(oldCookie));
    const raw = await redis.client.get(oldKey);
    expect(passwordIdOf(raw!)).toBe("2");
    expect(await unsealData(raw!, { password: { 1: password } })).toEqual({});
    expect((await unsealData<{ data: unknown }>(raw!, { password: { 2: otherPassword } })).data).toEqual({ user: "r2", n: 1 });
    expect({ ...(await redis.open(oldCookie, { password: rotated })) }).toEqual({ user: "r2", n: 1 });
  });

  test("once a password is dropped from the map, its sessions no longer open", async () => {
    const { cookie } = await redis.create({ user: "dropped" }, { password: { 1: password } });
    const session = await redis.open(cookie, { password: { 2: otherPassword } });
    expect({ ...session }).toEqual({});
  });
});
