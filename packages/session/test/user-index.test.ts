import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { getIronSession, sessionInfo, type SessionOptions } from "../src/index";
import { sealStoredValue } from "../src/seal";
import {
  cookieName,
  MemoryCookieStore,
  manualClock,
  password,
  sha256,
  storedValue,
  ttl,
  useCountingStore,
  useTestRedis,
} from "./helpers";

const redis = useTestRedis();
const counting = useCountingStore(redis);

const idle = 600;
const absolute = 1800;
type Data = { user?: { id: string }; device?: string };
const userIdOf = (data: Record<string, unknown>) => (data as Data).user?.id;
/** The index key, named independently of the store's indexKey(). */
const indexKeyOf = (userId: string) => `${redis.prefix}user:${userId}`;

/** Options with the per-user index, both limits and a clock of the test's own. */
function indexed(overrides: Partial<SessionOptions> = {}) {
  const c = manualClock();
  const options = redis.options({ userId: userIdOf, idleTimeout: idle, absoluteTimeout: absolute, clock: c.clock, ...overrides });
  return { c, options, manager: redis.manager<Data>(options) };
}

/** Signs a user in on a new device. */
async function signIn(options: SessionOptions, userId: string, device: string) {
  const created = await redis.create({ user: { id: userId }, device }, options);
  return { ...created, publicId: sha256(created.sid) };
}

async function indexPttl(userId: string): Promise<number> {
  return redis.client.pttl(indexKeyOf(userId));
}

describe("listSessions(userId)", () => {
  test("lists each live session with publicId, createdAt, lastSeenAt, expiresAt and data, most recently seen first", async () => {
    const { c, options, manager } = indexed();
    const user = randomUUID();
    const t0 = c.now;
    const a = await signIn(options, user, "laptop");
    c.at(10);
    const b = await signIn(options, user, "phone");
    c.at(20);
    const d = await signIn(options, user, "tablet");
    await signIn(options, randomUUID(), "someone else's");
    await redis.create({ device: "anonymous cart" }, options); // no user: not indexed

    c.at(120);
    const laptop = await redis.open<Data>(a.cookie, options); // a request from the laptop: last seen now
    expect(sessionInfo(laptop).publicId).toBe(a.publicId);

    expect(await manager.listSessions(user)).toEqual([
      { publicId: a.publicId, createdAt: t0, lastSeenAt: t0 + 120_000, expiresAt: t0 + 720_000, data: { user: { id: user }, device: "laptop" } },
      { publicId: d.publicId, createdAt: t0 + 20_000, lastSeenAt: t0 + 20_000, expiresAt: t0 + 620_000, data: { user: { id: user }, device: "tablet" } },
      { publicId: b.publicId, createdAt: t0 + 10_000, lastSeenAt: t0 + 10_000, expiresAt: t0 + 610_000, data: { user: { id: user }, device: "phone" } },
    ]);
    expect(await manager.listSessions(randomUUID())).toEqual([]);
  });

  test("publicId is the store key, SHA-256 of the id: never the id; state and publicId are not data", async () => {
    const { options } = indexed();
    const { cookie, sid } = await signIn(options, randomUUID(), "x");
    const session = await redis.open<Data>(cookie, options);
    expect(sessionInfo(session).publicId).toBe(sha256(sid));
    expect(sessionInfo(session).publicId).not.toContain(sid);
    expect(Object.keys(session).sort()).toEqual(["device", "user"]);
    expect(JSON.parse(JSON.stringify(session))).not.toHaveProperty("publicId");
    expect(JSON.parse(JSON.stringify(session))).not.toHaveProperty("state");
    expect((await redis.open(undefined, options)).publicId).toBeUndefined();
  });

  test("an expired session is pruned from the index when listed", async () => {
    const { c, options, manager } = indexed();
    const user = randomUUID();
    const old = await signIn(options, user, "old");
    c.at(300);
    const fresh = await signIn(options, user, "fresh");
    c.at(idle); // the first one's idle window is over; the second has 300 s left
    expect((await manager.listSessions(user)).map((s) => s.publicId)).toEqual([fresh.publicId]);
    expect(await redis.client.zscore(indexKeyOf(user), old.publicId)).toBeNull();
    expect(await redis.client.zscore(indexKeyOf(user), fresh.publicId)).not.toBeNull();
  });

  test("a session whose key was deleted directly is pruned from the index when listed", async () => {
    const { options, manager } = indexed();
    const user = randomUUID();
    const gone = await signIn(options, user, "gone");
    const kept = await signIn(options, user, "kept");
    expect(await redis.client.del(gone.redisKey)).toBe(1);
    expect(await redis.client.zscore(indexKeyOf(user), gone.publicId)).not.toBeNull(); // the index is only a hint
    expect((await manager.listSessions(user)).map((s) => s.publicId)).toEqual([kept.publicId]);
    expect(await redis.client.zscore(indexKeyOf(user), gone.publicId)).toBeNull();
    expect(await redis.client.zcard(indexKeyOf(user))).toBe(1);
  });

  test("costs O(that user's sessions): the same few commands however many sessions other users have", async () => {
    const { options } = indexed();
    const manager = redis.manager<Data>({ ...options, store: counting.store });
    const user = randomUUID();
    for (const device of ["a", "b", "c"]) await signIn(options, user, device);

    const cost = async () => {
      let listed = 0;
      const commands = await counting.measure(async () => {
        listed = (await manager.listSessions(user)).length;
      });
      expect(listed).toBe(3);
      return commands;
    };
    const alone = await cost();
    // One script call on the user's index (prune and range), then one GET per session.
    expect(alone).toEqual(["evalsha", "get", "get", "get"]);

    // 1000 sessions of 500 other users, half of them with ids that start with this user's id. Written through the
    // store's own write path (what save() sends: SET NX PX, then the index script); one shared sealed value,
    // since listing this user never opens theirs, keeps it at a few hundred milliseconds.
    const c = manualClock();
    const value = await sealStoredValue(storedValue("placeholder", {}, c.now), { 1: password }, ttl);
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        redis.store.set(randomBytes(32).toString("base64url"), value, {
          mode: "create",
          expiresAt: c.now + idle * 1000,
          now: c.now,
          userId: i % 4 < 2 ? `${user}-${i % 250}` : `other-${i % 250}`,
        }),
      ),
    );
    expect((await redis.keys()).filter((key) => key.startsWith(`${redis.prefix}user:`)).length).toBeGreaterThan(500);
    expect(await cost()).toEqual(alone);
  });
});

describe("the index key", () => {
  test("always has a TTL, and never outlives the latest of its sessions", async () => {
    const { c, options } = indexed();
    const user = randomUUID();
    const expectIndexTtl = async (latestExpiresAt: number) => {
      const pttl = await indexPttl(user);
      expect(pttl).toBeGreaterThan(0);
      // PTTL counts real time from the write, the clock stands still: so PTTL <= latest expiry - now.
      expect(pttl).toBeLessThanOrEqual(latestExpiresAt - c.now);
      expect(pttl).toBeGreaterThan(latestExpiresAt - c.now - 5000);
    };

    const a = await signIn(options, user, "a"); // ends at idle
    await expectIndexTtl(c.start + idle * 1000);
    c.at(100);
    const b = await signIn(options, user, "b"); // ends at 100 + idle
    await expectIndexTtl(c.start + (100 + idle) * 1000);

    c.at(200);
    await (await redis.open(a.cookie, options)).save(); // a now ends at 200 + idle, the latest
    await expectIndexTtl(c.start + (200 + idle) * 1000);

    // Ending the latest session brings the index's expiry back to the latest one left.
    await (await redis.open(a.cookie, options)).destroy();
    await expectIndexTtl(c.start + (100 + idle) * 1000);

    // Ending the last one removes the index.
    await (await redis.open(b.cookie, options)).destroy();
    expect(await redis.client.exists(indexKeyOf(user))).toBe(0);
  });

  test("keeps its TTL when entries are pruned or revoked", async () => {
    const { c, options, manager } = indexed();
    const user = randomUUID();
    const early = await signIn(options, user, "early");
    c.at(100);
    const late = await signIn(options, user, "late");
    c.at(200);
    const mid = await signIn(options, user, "mid"); // the latest now: ends at 200 + idle
    c.at(250);
    await (await redis.open(late.cookie, options)).save(); // late: ends at 250 + idle

    expect(await manager.revokeSession(late.publicId)).toBe(true);
    let pttl = await indexPttl(user);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual((200 + idle) * 1000 - 250_000);

    await redis.client.del(mid.redisKey); // gone behind the index's back, then pruned when listed
    expect((await manager.listSessions(user)).map((s) => s.publicId)).toEqual([early.publicId]);
    pttl = await indexPttl(user);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(idle * 1000 - 250_000);
  });

  test("destroy() removes the session's index entry", async () => {
    const { c, options } = indexed();
    const user = randomUUID();
    const { cookie, publicId } = await signIn(options, user, "a");
    await signIn(options, user, "b");
    expect(await redis.client.zscore(indexKeyOf(user), publicId)).toBe(String(c.now + idle * 1000));
    await (await redis.open(cookie, options)).destroy();
    expect(await redis.client.zscore(indexKeyOf(user), publicId)).toBeNull();
    expect(await redis.client.zcard(indexKeyOf(user))).toBe(1);
  });

  test("sessions without a user are not indexed", async () => {
    const { options } = indexed();
    const before = (await redis.keys()).filter((key) => key.startsWith(`${redis.prefix}user:`)).length;
    await redis.create({ cart: [1, 2] }, options);
    expect((await redis.keys()).filter((key) => key.startsWith(`${redis.prefix}user:`))).toHaveLength(before);
  });
});

describe("revokeSession(publicId)", () => {
  test("ends that session on its next request, in any app; the others carry on", async () => {
    const { options, manager } = indexed();
    const user = randomUUID();
    const doomed = await signIn(options, user, "stolen laptop");
    const kept = await signIn(options, user, "phone");
    const stranger = await signIn(options, randomUUID(), "stranger");

    expect(await manager.revokeSession(doomed.publicId)).toBe(true);
    const next = await redis.open<Data>(doomed.cookie, options);
    expect(sessionInfo(next).state).toBe("expired");
    expect({ ...next }).toEqual({});
    expect(await redis.client.exists(doomed.redisKey)).toBe(0);
    expect(await redis.client.zscore(indexKeyOf(user), doomed.publicId)).toBeNull();

    expect(sessionInfo(await redis.open(kept.cookie, options)).state).toBe("active");
    expect(sessionInfo(await redis.open(stranger.cookie, options)).state).toBe("active");
    expect((await manager.listSessions(user)).map((s) => s.publicId)).toEqual([kept.publicId]);

    expect(await manager.revokeSession(doomed.publicId)).toBe(false); // already gone
  });

  test("with userId, ends only that user's own session", async () => {
    const { options, manager } = indexed();
    const owner = randomUUID();
    const theirs = await signIn(options, owner, "laptop");
    expect(await manager.revokeSession(theirs.publicId, { userId: randomUUID() })).toBe(false);
    expect(sessionInfo(await redis.open(theirs.cookie, options)).state).toBe("active");
    expect(await manager.revokeSession(theirs.publicId, { userId: owner })).toBe(true);
    expect(sessionInfo(await redis.open(theirs.cookie, options)).state).toBe("expired");
  });

  test("resolves false for unknown or malformed ids, and touches nothing", async () => {
    const { options, manager } = indexed();
    const user = randomUUID();
    const kept = await signIn(options, user, "kept");
    const keysBefore = (await redis.keys()).sort();
    for (const id of [
      "../x",
      "",
      randomBytes(32).toString("base64url"), // 43 characters, well formed, no such session
      "a+b/c.d~e!".padEnd(43, "x"), // 43 characters, not base64url
      "x".repeat(44),
      kept.publicId.slice(0, 42),
      `user:${user}`, // the index key
      `${kept.publicId}\n`,
      kept.sid, // the secret id is not the public one (and is not stored under it)
      undefined as unknown as string,
      42 as unknown as string,
    ]) {
      expect(await manager.revokeSession(id), JSON.stringify(id)).toBe(false);
    }
    expect((await redis.keys()).sort()).toEqual(keysBefore);
    expect(sessionInfo(await redis.open(kept.cookie, options)).state).toBe("active");
  });
});

describe("a session that changes user (saved again with another user's data, without regenerate())", () => {
  test("is listed and revoked as the new user's only: the old user's stale index entry is not trusted", async () => {
    const { options, manager } = indexed();
    const [first, second] = [randomUUID(), randomUUID()];
    const { cookie, publicId } = await signIn(options, first, "shared computer");
    const firstOwn = await signIn(options, first, "first's phone");
    const session = await redis.open<Data>(cookie, options);
    session.user = { id: second };
    await session.save();

    expect((await manager.listSessions(first)).map((s) => s.publicId)).toEqual([firstOwn.publicId]);
    expect((await manager.listSessions(second)).map((s) => s.publicId)).toEqual([publicId]);
    expect(await manager.revokeUserSessions(first)).toBe(1);
    expect(sessionInfo(await redis.open(firstOwn.cookie, options)).state).toBe("expired");
    expect(sessionInfo(await redis.open(cookie, options)).state).toBe("active"); // the second user's session is not the first's to end
    expect(await manager.revokeUserSessions(second)).toBe(1);
    expect(sessionInfo(await redis.open(cookie, options)).state).toBe("expired");
  });
});

describe("revokeUserSessions(userId, { except })", () => {
  test("ends every other session of the user, keeps the current one, and leaves other users alone", async () => {
    const { options, manager } = indexed();
    const user = randomUUID();
    const other = randomUUID();
    const current = await signIn(options, user, "current");
    const rest = [await signIn(options, user, "a"), await signIn(options, user, "b"), await signIn(options, user, "c")];
    const others = [await signIn(options, other, "x"), await signIn(options, other, "y")];

    const cookies = new MemoryCookieStore({ [cookieName]: current.cookie });
    const session = await getIronSession<Data>(cookies, options);
    expect(await manager.revokeUserSessions(user, { except: sessionInfo(session).publicId })).toBe(3);

    for (const { cookie } of rest) expect(sessionInfo(await redis.open(cookie, options)).state).toBe("expired");
    expect(sessionInfo(await redis.open(current.cookie, options)).state).toBe("active");
    for (const { cookie } of others) expect(sessionInfo(await redis.open(cookie, options)).state).toBe("active");
    expect((await manager.listSessions(user)).map((s) => s.publicId)).toEqual([current.publicId]);
    expect(await manager.listSessions(other)).toHaveLength(2);
    expect(cookies.writes).toEqual([]);

    // Sign out everywhere: no exception.
    expect(await manager.revokeUserSessions(user)).toBe(1);
    expect(sessionInfo(await redis.open(current.cookie, options)).state).toBe("expired");
    expect(await redis.client.exists(indexKeyOf(user))).toBe(0);
    expect(await manager.revokeUserSessions(user)).toBe(0);
    expect(await manager.listSessions(other)).toHaveLength(2);
  });
});
