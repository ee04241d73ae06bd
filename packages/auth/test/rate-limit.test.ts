import { randomUUID } from "node:crypto";
import { createRedisClient } from "@ironlink/session";
import "@ironlink/testing";
import { afterAll, describe, expect, inject, it } from "vitest";
import { retryMessage, SignInRateLimiter } from "../src/rate-limit";

const redis = createRedisClient(inject("redisUrl"));
afterAll(() => redis.quit());
const limiterWith = (perUsername: number, perAddress: number) =>
  new SignInRateLimiter(redis, { perUsername, perAddress, window: 900 }, `test:${randomUUID()}:ratelimit:`);

describe("SignInRateLimiter (real Redis)", () => {
  it("blocks a username after its limit of failures, whatever the case, for the rest of the window", async () => {
    const limiter = limiterWith(3, 100);
    for (let i = 0; i < 3; i++) {
      expect(await limiter.check("Alice", "10.0.0.1")).toEqual({ limited: false });
      await limiter.recordFailure(i % 2 ? "ALICE" : "alice", "10.0.0.1");
    }
    const check = await limiter.check("alice", "10.0.0.2");
    expect(check.limited).toBe(true);
    if (check.limited) expect(check.retryAfterSeconds).toBeGreaterThan(890);
    expect(await limiter.check("bob", "10.0.0.1")).toEqual({ limited: false });
  });

  it("blocks an address that tries many usernames", async () => {
    const limiter = limiterWith(100, 4);
    for (let i = 0; i < 4; i++) await limiter.recordFailure(`user${i}`, "10.9.9.9");
    expect((await limiter.check("someone-else", "10.9.9.9")).limited).toBe(true);
    expect((await limiter.check("someone-else", "10.9.9.8")).limited).toBe(false);
  });

  it("forgets a username's failures after a success, and every counter expires with its window", async () => {
    const prefix = `test:${randomUUID()}:ratelimit:`;
    const limiter = new SignInRateLimiter(redis, { perUsername: 2, perAddress: 100, window: 900 }, prefix);
    await limiter.recordFailure("carol", "10.1.1.1");
    await limiter.recordFailure("carol", "10.1.1.1");
    expect((await limiter.check("carol", undefined)).limited).toBe(true);
    const ttl = await redis.pttl(`${prefix}user:carol`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(900_000);
    expect(await redis.pttl(`${prefix}addr:10.1.1.1`)).toBeGreaterThan(0);
    await limiter.reset("Carol");
    expect(await limiter.check("carol", "10.1.1.1")).toEqual({ limited: false });
  });

  it("says how long to wait in minutes", () => {
    expect(retryMessage(900)).toBe("Too many attempts, try again in 15 minutes.");
    expect(retryMessage(30)).toBe("Too many attempts, try again in 1 minute.");
  });
});
