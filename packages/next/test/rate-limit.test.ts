import { describe, expect, it } from "vitest";
import { type RateLimits, retryMessage, SignInRateLimiter, slowdownSeconds } from "../src/rate-limit";
import { accountStorages } from "./storages";

const defaults: RateLimits = { perUsernameAndAddress: 5, perUsername: 100, perAddress: 100, registrationsPerAddress: 100, window: 900 };

describe.each(accountStorages())("SignInRateLimiter ($kind)", ({ counters }) => {
  const limiterWith = (limits: Partial<RateLimits>) => new SignInRateLimiter(counters(), { ...defaults, ...limits });

  it("refuses a username from one address past its limit, whatever the case, for the rest of the window", async () => {
    const limiter = limiterWith({ perUsernameAndAddress: 3 });
    for (let i = 0; i < 3; i++) expect(await limiter.attempt(i % 2 ? "ALICE" : "alice", "10.0.0.1")).toEqual({ limited: false });
    const refused = await limiter.attempt("Alice", "10.0.0.1");
    expect(refused.limited).toBe(true);
    if (refused.limited) expect(refused.retryAfterSeconds).toBeGreaterThan(890);
    expect(await limiter.attempt("bob", "10.0.0.1")).toEqual({ limited: false });
  });

  it("does not let strangers lock the owner out: another address still gets in", async () => {
    const limiter = limiterWith({ perUsernameAndAddress: 3 });
    for (let i = 0; i < 10; i++) await limiter.attempt("olga", "203.0.113.7");
    expect((await limiter.attempt("olga", "203.0.113.7")).limited).toBe(true);
    expect(await limiter.attempt("olga", "198.51.100.1")).toEqual({ limited: false });
  });

  it("slows a username guessed at from many addresses to one attempt per slowdown interval, and does not lock it", async () => {
    const limiter = limiterWith({ perUsername: 4 });
    for (let i = 0; i < 4; i++) expect((await limiter.attempt("paul", `203.0.113.${i}`)).limited).toBe(false);
    // Past the username's limit: one attempt goes through, the next waits seconds, not the window.
    expect((await limiter.attempt("paul", "203.0.113.50")).limited).toBe(false);
    const slowed = await limiter.attempt("paul", "198.51.100.1");
    expect(slowed.limited).toBe(true);
    if (slowed.limited) expect(slowed.retryAfterSeconds).toBeLessThanOrEqual(slowdownSeconds);
    // A slowed attempt counts against nothing: that address is not one attempt closer to its limit.
    expect(await limiter.attempt("quinn", "198.51.100.1")).toEqual({ limited: false });
  });

  it("without an address, only the username's slowdown applies", async () => {
    const limiter = limiterWith({ perUsernameAndAddress: 1, perUsername: 2 });
    for (let i = 0; i < 3; i++) expect((await limiter.attempt("rita", undefined)).limited).toBe(false);
    expect((await limiter.attempt("rita", undefined)).limited).toBe(true);
  });

  it("refuses an address that tries many usernames, and only that address", async () => {
    const limiter = limiterWith({ perAddress: 4 });
    for (let i = 0; i < 4; i++) expect((await limiter.attempt(`user${i}`, "10.9.9.9")).limited).toBe(false);
    expect((await limiter.attempt("someone-else", "10.9.9.9")).limited).toBe(true);
    expect((await limiter.attempt("someone-else", "10.9.9.8")).limited).toBe(false);
  });

  it("forgets a username's failures after a success, but not the address's", async () => {
    const limiter = limiterWith({ perUsernameAndAddress: 2, perAddress: 3 });
    await limiter.attempt("carol", "10.1.1.1");
    await limiter.attempt("carol", "10.1.1.1");
    expect((await limiter.attempt("carol", "10.1.1.1")).limited).toBe(true);
    await limiter.succeeded("carol", "10.1.1.1");
    expect((await limiter.attempt("carol", "10.1.1.1")).limited).toBe(false);
    await limiter.succeeded("carol", "10.1.1.1"); // gives back only the attempt that succeeded
    // The address keeps its first failure: two more fill its limit of three, the next is refused.
    expect((await limiter.attempt("dave", "10.1.1.1")).limited).toBe(false);
    expect((await limiter.attempt("erin", "10.1.1.1")).limited).toBe(false);
    expect((await limiter.attempt("fay", "10.1.1.1")).limited).toBe(true);
  });

  it("gives an attempt whose password was never checked back to the username and the address", async () => {
    const limiter = limiterWith({ perUsernameAndAddress: 2, perAddress: 3 });
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
    const limiter = limiterWith({ perUsernameAndAddress: 5 });
    const results = await Promise.all(Array.from({ length: 20 }, () => limiter.attempt("frank", "10.2.2.2")));
    expect(results.filter((r) => !r.limited)).toHaveLength(5);
  });

  it("limits registrations per address, successful or not", async () => {
    const limiter = limiterWith({ registrationsPerAddress: 3 });
    for (let i = 0; i < 3; i++) expect(await limiter.attemptRegistration("10.3.3.3")).toEqual({ limited: false });
    expect((await limiter.attemptRegistration("10.3.3.3")).limited).toBe(true);
    expect(await limiter.attemptRegistration("10.3.3.4")).toEqual({ limited: false });
  });

  it("counts password changes per session, apart from sign-in guesses at the username", async () => {
    const limiter = limiterWith({ perUsernameAndAddress: 2, perUsername: 2 });
    for (let i = 0; i < 6; i++) await limiter.attempt("gina", `10.4.4.${i}`);
    expect(await limiter.attemptPasswordChange("session-a")).toEqual({ limited: false });
    expect(await limiter.attemptPasswordChange("session-a")).toEqual({ limited: false });
    expect((await limiter.attemptPasswordChange("session-a")).limited).toBe(true);
    expect(await limiter.attemptPasswordChange("session-b")).toEqual({ limited: false });
    await limiter.passwordChangeSucceeded("session-a");
    expect(await limiter.attemptPasswordChange("session-a")).toEqual({ limited: false });
  });
});

describe("retryMessage", () => {
  it("says how long to wait, in seconds under a minute and in minutes beyond", () => {
    expect(retryMessage(900)).toBe("Too many attempts, try again in 15 minutes.");
    expect(retryMessage(60)).toBe("Too many attempts, try again in 1 minute.");
    expect(retryMessage(10)).toBe("Too many attempts, try again in 10 seconds.");
    expect(retryMessage(1)).toBe("Too many attempts, try again in 1 second.");
  });
});
