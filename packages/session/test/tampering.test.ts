import { randomBytes } from "node:crypto";
import { sealData, unsealData } from "iron-session";
import { describe, expect, test } from "vitest";
import { getIronSession, type SessionOptions, sessionInfo } from "../src/index";
import { generateSessionId, storeKeyFor } from "../src/session-id";
import { cookieName, MemoryCookieStore, otherPassword, password, storedValue, ttl, useTestRedis } from "./helpers";

const redis = useTestRedis();

/** getIronSession must resolve (never throw) to an anonymous session. */
async function expectAnonymous(cookie: string | undefined, overrides?: Partial<SessionOptions>): Promise<void> {
  const session = await redis.open(cookie, overrides);
  expect({ ...session }).toEqual({});
}

describe("a cookie that is not a session we issued yields an anonymous session, never an error", () => {
  test("any single character changed, anywhere in the seal", async () => {
    const { cookie } = await redis.create({ user: "victim" });
    expect({ ...(await redis.open(cookie)) }).toEqual({ user: "victim" }); // control
    for (let i = 0; i < cookie.length; i++) {
      const replacement = cookie[i] === "A" ? "B" : "A";
      await expectAnonymous(cookie.slice(0, i) + replacement + cookie.slice(i + 1));
    }
  });

  test("sealed with another password", async () => {
    const { sid } = await redis.create({ user: "victim" });
    await expectAnonymous(await sealData({ sid }, { password: otherPassword, ttl }));
    await expectAnonymous(await sealData({ sid }, { password: { 7: otherPassword }, ttl }));
  });

  test("random strings, empty, truncated, or 10 kB long", async () => {
    const { cookie, sid } = await redis.create({ user: "victim" });
    await expectAnonymous("");
    await expectAnonymous(undefined);
    await expectAnonymous("not-a-seal");
    await expectAnonymous(randomBytes(48).toString("base64url"));
    await expectAnonymous(`Fe26.2*1*${"*".repeat(6)}`);
    await expectAnonymous("Fe26.2**********");
    await expectAnonymous(cookie.slice(0, -1));
    await expectAnonymous(cookie.slice(0, Math.floor(cookie.length / 2)));
    await expectAnonymous(cookie.slice(0, cookie.indexOf("~")));
    await expectAnonymous(`x${cookie}`);
    await expectAnonymous("x".repeat(10_000));
    await expectAnonymous(`Fe26.2*1*${"a".repeat(10_000)}`);
    // Even a genuine seal of our sid is refused once it is larger than a browser would ever send.
    await expectAnonymous(await sealData({ sid, padding: "p".repeat(10_000) }, { password, ttl }));
  });

  test("a live session's cookie with another spelling of its version suffix, or none (the v1 form)", async () => {
    const { cookie } = await redis.create({ user: "victim" });
    expect(cookie.endsWith("~2")).toBe(true);
    const token = cookie.slice(0, -"~2".length);
    // Control: iron-session reads the version with parseInt, so it opens these to the session id.
    expect(await unsealData(`${token}~02`, { password })).toHaveProperty("sid");
    for (const suffix of ["~02", "~0002", "~+2", "~2 ", "~3", "~", "~2~2", "~2junk", ""]) {
      const session = await redis.open(`${token}${suffix}`);
      expect(sessionInfo(session).state, JSON.stringify(suffix)).toBe("anonymous");
      expect({ ...session }).toEqual({});
    }
  });

  test("the Redis value itself used as the cookie", async () => {
    const { redisKey } = await redis.create({ user: "victim" });
    const raw = await redis.client.get(redisKey);
    expect(raw).toBeTypeOf("string");
    await expectAnonymous(raw!);
  });

  test("a sid that is not a valid id, even with a matching Redis value", async () => {
    // Control: the same planting with a valid id loads, so only the id check refuses the ones below.
    const validSid = generateSessionId();
    const validKey = storeKeyFor(validSid);
    await redis.client.set(redis.prefix + validKey, await sealData(storedValue(validKey, { user: "planted" }), { password, ttl }), "EX", ttl);
    expect({ ...(await redis.open(await sealData({ sid: validSid }, { password, ttl }))) }).toEqual({ user: "planted" });

    for (const sid of ["short", "", `${generateSessionId()}A`, `${generateSessionId().slice(0, 42)}=`, "../../etc/passwd".padEnd(43, "a")]) {
      // Plant a value that would load if the id were not checked.
      const key = storeKeyFor(sid);
      await redis.client.set(redis.prefix + key, await sealData(storedValue(key, { user: "planted" }), { password, ttl }), "EX", ttl);
      await expectAnonymous(await sealData({ sid }, { password, ttl }));
    }
    // A seal of ours without a sid is a stateless iron-session cookie, which the default ("migrate") loads
    // as legacy data: with "ignore", what is left to refuse it is the sid check.
    for (const payload of [{ sid: 42 }, { sid: null }, { sid: ["x"] }, {}, { id: generateSessionId() }]) {
      await expectAnonymous(await sealData(payload, { password, ttl }), { legacyCookies: "ignore" });
    }
  });
});

describe("Redis values are bound to their key", () => {
  test("a value copied to another session's key opens to no session", async () => {
    const alice = await redis.create({ user: "alice", admin: true });
    const mallory = await redis.create({ user: "mallory" });
    await redis.client.set(mallory.redisKey, (await redis.client.get(alice.redisKey))!, "EX", ttl);

    await expectAnonymous(mallory.cookie);
    expect({ ...(await redis.open(alice.cookie)) }).toEqual({ user: "alice", admin: true });
  });

  test("a value sealed with another password, or not a seal at all, opens to no session", async () => {
    const victim = await redis.create({ user: "victim" });
    const key = storeKeyFor(victim.sid);
    // Control: a well-formed value sealed with our password opens.
    await redis.client.set(victim.redisKey, await sealData(storedValue(key, { user: "resealed" }), { password, ttl }), "EX", ttl);
    expect({ ...(await redis.open(victim.cookie)) }).toEqual({ user: "resealed" });
    await redis.client.set(victim.redisKey, await sealData(storedValue(key, { user: "forged" }), { password: otherPassword, ttl }), "EX", ttl);
    await expectAnonymous(victim.cookie);
    await redis.client.set(victim.redisKey, "garbage", "EX", ttl);
    await expectAnonymous(victim.cookie);
    await redis.client.set(victim.redisKey, await sealData(storedValue(key, "not an object"), { password, ttl }), "EX", ttl);
    await expectAnonymous(victim.cookie);
    // Timestamps missing or not numbers.
    await redis.client.set(victim.redisKey, await sealData({ key, data: { user: "victim" } }, { password, ttl }), "EX", ttl);
    await expectAnonymous(victim.cookie);
    await redis.client.set(victim.redisKey, await sealData(storedValue(key, { user: "victim" }, "now" as unknown as number), { password, ttl }), "EX", ttl);
    await expectAnonymous(victim.cookie);
  });

  test("a value with another spelling of its version suffix, or none (the v1 form), opens to no session", async () => {
    const victim = await redis.create({ user: "victim" });
    const raw = (await redis.client.get(victim.redisKey))!;
    expect(raw.endsWith("~2")).toBe(true);
    const token = raw.slice(0, -"~2".length);
    expect(await unsealData(`${token}~02`, { password })).toHaveProperty("data"); // control: iron-session opens it
    for (const suffix of ["~02", "~0002", "~+2", "~3", "~2~2", "~2junk", ""]) {
      await redis.client.set(victim.redisKey, `${token}${suffix}`, "EX", ttl);
      const session = await redis.open(victim.cookie);
      expect(sessionInfo(session).state, JSON.stringify(suffix)).toBe("anonymous");
      expect({ ...session }).toEqual({});
    }
  });

  test("a tampered session is not written back by save(): it starts a new one", async () => {
    const { cookie, redisKey } = await redis.create({ user: "victim" });
    const cookies = new MemoryCookieStore({ [cookieName]: cookie.replace(/\*(.)/, (_, c: string) => `*${c === "1" ? "2" : "1"}`) });
    const session = await getIronSession<{ user: string }>(cookies, redis.options());
    session.user = "attacker";
    await session.save();
    expect(cookies.written()).not.toBe(cookie);
    expect({ ...(await redis.open(cookie)) }).toEqual({ user: "victim" });
    expect(await redis.client.exists(redisKey)).toBe(1);
  });
});
