import { describe, expect, it } from "vitest";
import { retryMessage, SignInRateLimiter } from "../src/rate-limit";
import { accountStorages } from "./storages";

describe.each(accountStorages())("SignInRateLimiter ($kind)", ({ counters }) => {
  const limiterWith = (perUsername: number, perAddress: number) => new SignInRateLimiter(counters(), { perUsername, perAddress, window: 900 });

  it("refuses a username past its limit, whatever the case, for the rest of the window", async () => {
    const limiter = limiterWith(3, 100);
    for (let i = 0; i < 3; i++) expect(await limiter.attempt(i % 2 ? "ALICE" : "alice", "10.0.0.1")).toEqual({ limited: false });
    const refused = await limiter.attempt("Alice", "10.0.0.2");
    expect(refused.limited).toBe(true);
    if (refused.limited) expect(refused.retryAfterSeconds).toBeGreaterThan(890);
    expect(await limiter.attempt("bob", "10.0.0.1")).toEqual({ limited: false });
  });

  it("refuses an address that tries many usernames, and only that address", async () => {
    const limiter = limiterWith(100, 4);
    for (let i = 0; i < 4; i++) expect((await limiter.attempt(`user${i}`, "10.9.9.9")).limited).toBe(false);
    expect((await limiter.attempt("someone-else", "10.9.9.9")).limited).toBe(true);
    expect((await limiter.attempt("someone-else", "10.9.9.8")).limited).toBe(false);
  });

  it("forgets a username's failures after a success, but not the address's", async () => {
    const limiter = limiterWith(2, 3);
    await limiter.attempt("carol", "10.1.1.1");
    await limiter.attempt("carol", "10.1.1.1");
    expect((await limiter.attempt("carol", "10.1.1.2")).limited).toBe(true);
    await limiter.succeeded("carol", undefined);
    expect((await limiter.attempt("carol", "10.1.1.1")).limited).toBe(false);
    await limiter.succeeded("carol", "10.1.1.1"); // gives back only the attempt that succeeded
    expect((await limiter.attempt("dave", "10.1.1.1")).limited).toBe(false);
    expect((await limiter.attempt("erin", "10.1.1.1")).limited).toBe(true);
  });

  it("gives an attempt whose password was never checked back to the username and the address", async () => {
    const limiter = limiterWith(2, 3);
    for (let i = 0; i < 5; i++) {
      expect((await limiter.attempt("gina", "10.3.3.3")).limited).toBe(false);
      await limiter.notChecked("GINA", "10.3.3.3");
    }
    expect((await limiter.attempt("gina", "10.3.3.3")).limited).toBe(false);
    expect((await limiter.attempt("gina", "10.3.3.3")).limited).toBe(false);
    expect((await limiter.attempt("gina", "10.3.3.3")).limited).toBe(true);
    expect((await limiter.attempt("hank", "10.3.3.3")).limited).toBe(false);
    expect((await limiter.attempt("ivan", "10.3.3.3")).limited).toBe(true);
  });

  it("lets exactly the limit through when attempts arrive all at once", async () => {
    const limiter = limiterWith(5, 100);
    const results = await Promise.all(Array.from({ length: 20 }, () => limiter.attempt("frank", "10.2.2.2")));
    expect(results.filter((r) => !r.limited)).toHaveLength(5);
  });
});

describe("retryMessage", () => {
  it("says how long to wait in minutes", () => {
    expect(retryMessage(900)).toBe("Too many attempts, try again in 15 minutes.");
    expect(retryMessage(30)).toBe("Too many attempts, try again in 1 minute.");
  });
});
