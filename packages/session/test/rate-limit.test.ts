import { describe, expect, it } from "vitest";
import { retryMessage, SignInRateLimiter, slowdownSeconds } from "../src/fleet/accounts/rate-limit";
import type { RateLimits } from "../src/fleet/sign-in-settings";
import { accountStorages } from "./storages";

const defaults: RateLimits = {
  perUsernameAndAddress: 5,
  perUsername: 100,
  perAddress: 100,
  registrationsPerAddress: 100,
  signInsPerUsernameAndAddress: 100,
  signInsPerUsername: 100,
  window: 900,
};

/** A sign-in whose password was right, as account.ts runs it: counted, then reported a success. */
async function signInRight(limiter: SignInRateLimiter, username: string, address: string | undefined) {
  const check = await limiter.attempt(username, address);
  if (!check.limited) await limiter.succeeded(username, address);
  return check;
}

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

  it("counts every sign-in against the username and address's budget, right password or not: past it, 429 for the window's rest", async () => {
    const limiter = limiterWith({ perUsernameAndAddress: 5, signInsPerUsernameAndAddress: 6 });
    for (let i = 0; i < 4; i++) expect(await signInRight(limiter, "jane", "10.6.6.6")).toEqual({ limited: false });
    expect((await limiter.attempt("jane", "10.6.6.6")).limited).toBe(false); // a wrong password costs too
    expect(await signInRight(limiter, "JANE", "10.6.6.6")).toEqual({ limited: false });
    const refused = await signInRight(limiter, "jane", "10.6.6.6");
    expect(refused.limited).toBe(true);
    if (refused.limited) expect(refused.retryAfterSeconds).toBeGreaterThan(890);
    // That pair only: the owner elsewhere, and others behind that address, still sign in.
    expect(await signInRight(limiter, "jane", "10.6.6.7")).toEqual({ limited: false });
    expect(await signInRight(limiter, "kate", "10.6.6.6")).toEqual({ limited: false });
  });

  it("slows a username signed in to from everywhere past its budget, successes included, and does not lock it", async () => {
    const limiter = limiterWith({ signInsPerUsername: 4 });
    for (let i = 0; i < 4; i++) expect(await signInRight(limiter, "lena", `10.7.7.${i}`)).toEqual({ limited: false });
    expect(await signInRight(limiter, "lena", "10.7.7.50")).toEqual({ limited: false });
    const slowed = await signInRight(limiter, "lena", "10.7.7.51");
    expect(slowed.limited).toBe(true);
    if (slowed.limited) expect(slowed.retryAfterSeconds).toBeLessThanOrEqual(slowdownSeconds);
    // Without an address, the username's budget is what applies.
    expect((await signInRight(limiter, "lena", undefined)).limited).toBe(true);
  });

  it("counts no successes per address: an office behind one address signs in, a hundred people", async () => {
    const limiter = limiterWith({ perAddress: 3, perUsernameAndAddress: 2, signInsPerUsernameAndAddress: 2, signInsPerUsername: 2 });
    for (let i = 0; i < 100; i++) expect(await signInRight(limiter, `staff${i}`, "10.8.8.8"), `person ${i}`).toEqual({ limited: false });
  });

  it("charges no sign-in budget for an attempt refused or never checked", async () => {
    const limiter = limiterWith({ perUsernameAndAddress: 1, signInsPerUsernameAndAddress: 2, signInsPerUsername: 3 });
    for (let i = 0; i < 5; i++) {
      expect((await limiter.attempt("mona", "10.9.1.1")).limited).toBe(false);
      await limiter.notChecked("mona", "10.9.1.1");
    }
    expect((await limiter.attempt("mona", "10.9.1.1")).limited).toBe(false); // a failure: the next is refused
    for (let i = 0; i < 5; i++) expect((await limiter.attempt("mona", "10.9.1.1")).limited).toBe(true);
    expect(await signInRight(limiter, "mona", "10.9.1.2")).toEqual({ limited: false });
    expect(await signInRight(limiter, "mona", "10.9.1.2")).toEqual({ limited: false });
    expect((await signInRight(limiter, "mona", "10.9.1.2")).limited).toBe(true); // its pair's budget of 2 is spent
    // The username's budget of 3 holds the failure and the two successes (refused attempts took nothing):
    // past it, one sign-in per slowdown interval.
    expect((await signInRight(limiter, "mona", "10.9.1.3")).limited).toBe(false);
    expect((await signInRight(limiter, "mona", "10.9.1.4")).limited).toBe(true);
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
