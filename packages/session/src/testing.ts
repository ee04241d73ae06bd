import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SessionStore } from "./stores/session-store";

/**
 * `@ironlink/session/testing`: the contract every session store keeps, as a Vitest suite any store can run
 * (RedisStore, FileStore, or your own). Needs the optional peer dependency vitest.
 */

/** A store opened for the suite. */
export interface StoreUnderTest {
  store: SessionStore;
  /** A second instance on the same data (another process, as far as the store can tell); default `store`. */
  second?: SessionStore;
  /** Runs after the suite: close clients, remove directories. */
  cleanup?: () => Promise<void>;
}

/** Declares the suite. Call `describeStoreContract("MyStore", async () => ({ store, cleanup }))` in a test file. */
export function describeStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${name}: the SessionStore contract`, () => {
    const ctx = {} as Stores;
    let cleanup: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const opened = await open();
      Object.assign(ctx, { store: opened.store, second: opened.second ?? opened.store });
      cleanup = opened.cleanup;
    });
    afterAll(async () => {
      await cleanup?.();
    });

    liveSignOutAndValues(ctx);
    userIndexAndRevocations(ctx);
    claimsAndConcurrency(ctx);
  });
}

/** The stores the suite runs against: `second` is another instance on the same data (or `store` itself). */
interface Stores {
  store: SessionStore;
  second: SessionStore;
}

const newKey = () => createHash("sha256").update(randomBytes(32)).digest("base64url");
// One clock reading for both: two could differ by a millisecond, and the store's TTL is expiresAt - now.
const soon = (ms = 60_000) => {
  const now = Date.now();
  return { now, expiresAt: now + ms };
};

/** Live sign-out and the values themselves: create, compare-and-set, expiry. */
function liveSignOutAndValues(ctx: Stores): void {
  // Live sign-out: optional in the interface, so a store without it simply has no live sign-out.
  test("a delete through one client is announced to a subscriber on another, with the key only", async ({ skip }) => {
    if (!ctx.second.subscribeEnded || !ctx.store.expiresIn) return skip();
    const heard: string[] = [];
    let resyncs = 0;
    const stop = await ctx.second.subscribeEnded((key) => heard.push(key), () => void resyncs++);
    try {
      const key = newKey();
      await ctx.store.set(key, "alive", { mode: "create", ...soon(5_000) });
      const left = await ctx.store.expiresIn(key);
      expect(left).toBeGreaterThan(3_000);
      expect(left).toBeLessThanOrEqual(5_000);
      await ctx.store.delete(key);
      expect(await ctx.store.expiresIn(key)).toBeNull();
      const deadline = Date.now() + 3_000;
      while (!heard.includes(key) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard).toEqual([key]);
      expect(resyncs).toBe(0);
    } finally {
      await stop();
    }
  });

  test("get of a missing key is null", async () => {
    expect(await ctx.store.get(newKey())).toBeNull();
  });

  test("create writes once; a second create of the same key is refused", async () => {
    const key = newKey();
    expect(await ctx.store.set(key, "first", { mode: "create", ...soon() })).toEqual({ status: "written" });
    expect(await ctx.store.get(key)).toBe("first");
    expect((await ctx.store.set(key, "second", { mode: "create", ...soon() })).status).not.toBe("written");
    expect(await ctx.store.get(key)).toBe("first");
  });

  test("update is a compare-and-set: written if unchanged, the current value if changed, gone if deleted", async () => {
    const key = newKey();
    await ctx.store.set(key, "v1", { mode: "create", ...soon() });
    expect(await ctx.store.set(key, "v2", { mode: "update", expected: "v1", ...soon() })).toEqual({ status: "written" });
    expect(await ctx.store.set(key, "v3", { mode: "update", expected: "v1", ...soon() })).toEqual({ status: "changed", current: "v2" });
    expect(await ctx.store.get(key)).toBe("v2");
    await ctx.store.delete(key);
    expect(await ctx.store.set(key, "v4", { mode: "update", expected: "v2", ...soon() })).toEqual({ status: "gone" });
    expect(await ctx.store.get(key)).toBeNull();
  });
}

/** The per-user index and the revocation counters. */
function userIndexAndRevocations(ctx: Stores): void {
  test("a value is gone once its expiry passes", async () => {
    const key = newKey();
    await ctx.store.set(key, "brief", { mode: "create", ...soon(150) });
    expect(await ctx.store.get(key)).toBe("brief");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await ctx.store.get(key)).toBeNull();
  });

  test("the per-user index lists live sessions only, per user, and drops deleted ones", async () => {
    const user = `user-${randomBytes(4).toString("hex")}`;
    const [a, b, other] = [newKey(), newKey(), newKey()];
    await ctx.store.set(a, "a", { mode: "create", ...soon(), userId: user });
    await ctx.store.set(b, "b", { mode: "create", ...soon(), userId: user });
    await ctx.store.set(other, "other", { mode: "create", ...soon(), userId: `${user}-other` });
    expect((await ctx.store.listByUser(user, Date.now())).sort()).toEqual([[a, "a"], [b, "b"]].sort());
    await ctx.store.delete(a, user);
    expect(await ctx.store.listByUser(user, Date.now())).toEqual([[b, "b"]]);
    await ctx.store.delete(b); // without the user: the entry is pruned when listed
    expect(await ctx.store.listByUser(user, Date.now())).toEqual([]);
    expect(await ctx.store.listByUser(`${user}-other`, Date.now())).toEqual([[other, "other"]]);
  });

  test("index entries past their expiry are not listed", async () => {
    const user = `user-${randomBytes(4).toString("hex")}`;
    const key = newKey();
    const now = Date.now();
    await ctx.store.set(key, "x", { mode: "create", now, expiresAt: now + 60_000, userId: user });
    expect(await ctx.store.listByUser(user, now + 61_000)).toEqual([]);
  });
}

/** One-time claims, hostile keys, and two clients writing at once. */
function claimsAndConcurrency(ctx: Stores): void {
  // The sign-in guard's counter: optional in the interface, so a store without it offers no guard.
  test("revocations are counted once each, and a user's mark is the latest count, whatever order writes land in", async ({ skip }) => {
    if (!ctx.store.countRevocation || !ctx.store.revocationCount || !ctx.second.lastRevocationOf) return skip();
    const [user, other] = [`user-${randomBytes(4).toString("hex")}`, `user-${randomBytes(4).toString("hex")}`];
    expect(await ctx.second.lastRevocationOf(user)).toBe(0);
    const before = await ctx.store.revocationCount();
    const counts = await Promise.all(Array.from({ length: 20 }, (_, i) => ((i % 2 ? ctx.store : ctx.second).countRevocation as (id: string) => Promise<number>)(user)));
    expect(new Set(counts).size).toBe(20);
    expect(Math.min(...counts)).toBeGreaterThan(before);
    expect(await ctx.second.lastRevocationOf(user)).toBe(Math.max(...counts));
    expect(await ctx.store.revocationCount()).toBeGreaterThanOrEqual(Math.max(...counts));
    expect(await ctx.second.lastRevocationOf(other)).toBe(0);
  });

  test("claims are one-time", async () => {
    const key = `legacy:${newKey()}`;
    expect(await ctx.store.isClaimed(key)).toBe(false);
    expect(await ctx.store.claim(key, Date.now() + 60_000, Date.now())).toBe(true);
    expect(await ctx.store.claim(key, Date.now() + 60_000, Date.now())).toBe(false);
    expect(await ctx.store.isClaimed(key)).toBe(true);
  });

  test("a claim lapses at its expiry: no longer claimed, and can be claimed again", async () => {
    const key = `legacy:${newKey()}`;
    const brief = soon(150);
    expect(await ctx.store.claim(key, brief.expiresAt, brief.now)).toBe(true);
    expect(await ctx.second.isClaimed(key)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await ctx.second.isClaimed(key)).toBe(false);
    const again = soon();
    expect(await ctx.second.claim(key, again.expiresAt, again.now)).toBe(true);
  });

  test("a malformed or hostile key reads as missing and never escapes the store", async () => {
    for (const key of ["../../../../etc/passwd", "..", "", "a/b", "%2e%2e%2f", "\u0000"]) {
      expect(await ctx.store.get(key)).toBeNull();
    }
  });

  test("concurrent compare-and-set increments from two clients lose nothing", async () => {
    const key = newKey();
    await ctx.store.set(key, "0", { mode: "create", ...soon() });
    const increment = async (client: SessionStore) => {
      let expected = (await client.get(key)) as string;
      for (;;) {
        const result = await client.set(key, String(Number(expected) + 1), { mode: "update", expected, ...soon() });
        if (result.status === "written") return;
        if (result.status === "gone") throw new Error("lost the key");
        expected = result.current;
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => increment(i % 2 ? ctx.store : ctx.second)));
    expect(await ctx.store.get(key)).toBe("40");
  });
}
