import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomUUID } from "node:crypto";
import { unsealData } from "iron-session";
import { afterAll, describe, expect, inject, test, vi } from "vitest";
import { createFleet, type Fleet, readFleetConfig } from "../src/fleet/index";
import { newVerifier } from "../src/fleet/handoff";
import { MemoryCookieStore, password } from "./helpers";

const satellite = "http://two.beta.test:7000";
const fleets: Fleet[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const fleet of fleets) await fleet.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function redisFleet(): Promise<Fleet> {
  const env = { SESSION_PASSWORD: password, IRONLINK_FLEET: randomUUID() };
  const fleet = createFleet({ env, config: { ...readFleetConfig(env), store: { kind: "redis", redis: inject("redisConnection") } } });
  fleets.push(fleet);
  return fleet;
}

async function fileFleet(): Promise<Fleet> {
  const dir = await mkdtemp(join(tmpdir(), "ironlink-handoff-"));
  dirs.push(dir);
  return createFleet({ env: { SESSION_PASSWORD: password, SESSION_STORE: "file", SESSION_FILE_PATH: dir } });
}

/** A signed-in session (of a new user, unless `user`) and the cookie that opens it. */
async function signedIn(fleet: Fleet, user = { id: `u-${randomUUID()}`, username: "alice" }) {
  const cookies = new MemoryCookieStore();
  const session = await fleet.sessions.getSession(cookies);
  Object.assign(session, { user, signedInAt: Date.now(), signedInOn: "one", userAgent: "test" });
  await session.save();
  return { session, cookie: cookies.written(fleet.config.cookieName) };
}

/** A signed-in session on the sign-in app, and a code for the satellite bound to a fresh verifier. */
async function issued(fleet: Fleet, origin = satellite) {
  const { session } = await signedIn(fleet);
  const { verifier, challenge } = newVerifier();
  const code = await fleet.handoff.issue(session, { origin, challenge });
  return { session, verifier, code };
}

describe.each([
  ["Redis", redisFleet],
  ["files", fileFleet],
])("one-time sign-in codes (%s)", (_store, makeFleet) => {
  test("a code opens the same session at its origin, once", async () => {
    const fleet = await makeFleet();
    const { session, verifier, code } = await issued(fleet);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    const redeemed = await fleet.handoff.redeem({ code, origin: satellite, verifier });
    if (redeemed?.kind !== "signed-in") throw new Error(`not signed in: ${JSON.stringify(redeemed)}`);
    const there = await fleet.sessions.getSession(new MemoryCookieStore({ [fleet.config.cookieName]: redeemed.sessionCookie }));
    expect(there.user).toEqual(session.user);
    expect(await fleet.handoff.redeem({ code, origin: satellite, verifier })).toBeUndefined();
    // One session: ended at the satellite, it is over at the sign-in app too.
    await there.destroy();
    expect(await fleet.sessions.listSessions(session.user!.id)).toEqual([]);
  });

  test("refused: another origin, no verifier, a wrong verifier, a malformed code; each attempt spends the code", async () => {
    const fleet = await makeFleet();
    const elsewhere = await issued(fleet);
    expect(await fleet.handoff.redeem({ code: elsewhere.code, origin: "http://svc.gamma.test:9000", verifier: elsewhere.verifier })).toBeUndefined();
    expect(await fleet.handoff.redeem({ code: elsewhere.code, origin: satellite, verifier: elsewhere.verifier })).toBeUndefined();
    const noVerifier = await issued(fleet);
    expect(await fleet.handoff.redeem({ code: noVerifier.code, origin: satellite, verifier: undefined })).toBeUndefined();
    expect(await fleet.handoff.redeem({ code: noVerifier.code, origin: satellite, verifier: noVerifier.verifier })).toBeUndefined();
    const wrong = await issued(fleet);
    expect(await fleet.handoff.redeem({ code: wrong.code, origin: satellite, verifier: newVerifier().verifier })).toBeUndefined();
    expect(await fleet.handoff.redeem({ code: "../../etc/passwd", origin: satellite, verifier: wrong.verifier })).toBeUndefined();
  });

  test("a browser signed in at the satellite as another user keeps its session: the code is refused as 'other-user', and spent", async () => {
    const fleet = await makeFleet();
    const attacker = await issued(fleet);
    const victim = await signedIn(fleet);
    const cookieHeader = `other=1; ${fleet.config.cookieName}=${victim.cookie}`;
    expect(await fleet.handoff.redeem({ code: attacker.code, origin: satellite, verifier: attacker.verifier, cookieHeader })).toEqual({ kind: "other-user" });
    expect(await fleet.handoff.redeem({ code: attacker.code, origin: satellite, verifier: attacker.verifier })).toBeUndefined();
    // The victim's session is untouched.
    expect((await fleet.sessions.getSession(new MemoryCookieStore({ [fleet.config.cookieName]: victim.cookie }))).user).toEqual(victim.session.user);

    // The same user (another of their sessions), a session without a user, or one that ended: the code signs in.
    const again = await issued(fleet);
    const sameUser = await signedIn(fleet, again.session.user as { id: string; username: string });
    const withSameUser = await fleet.handoff.redeem({ code: again.code, origin: satellite, verifier: again.verifier, cookieHeader: `${fleet.config.cookieName}=${sameUser.cookie}` });
    expect(withSameUser?.kind).toBe("signed-in");
    const anonymous = new MemoryCookieStore();
    const cart = await fleet.sessions.getSession(anonymous);
    Object.assign(cart, { cart: ["tea"] });
    await cart.save();
    const third = await issued(fleet);
    const withCart = await fleet.handoff.redeem({ code: third.code, origin: satellite, verifier: third.verifier, cookieHeader: `${fleet.config.cookieName}=${anonymous.written(fleet.config.cookieName)}` });
    expect(withCart?.kind).toBe("signed-in");
    await victim.session.destroy();
    const fourth = await issued(fleet);
    expect((await fleet.handoff.redeem({ code: fourth.code, origin: satellite, verifier: fourth.verifier, cookieHeader: `${fleet.config.cookieName}=${victim.cookie}` }))?.kind).toBe("signed-in");
  });

  test("a code for a session that ended meanwhile opens nothing", async () => {
    const fleet = await makeFleet();
    const { session, verifier, code } = await issued(fleet);
    await fleet.sessions.revokeUserSessions(session.user!.id);
    expect(await fleet.handoff.redeem({ code, origin: satellite, verifier })).toBeUndefined();
  });

  test("two redemptions at once: exactly one wins", async () => {
    const fleet = await makeFleet();
    const { verifier, code } = await issued(fleet);
    const results = await Promise.all(Array.from({ length: 8 }, () => fleet.handoff.redeem({ code, origin: satellite, verifier })));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  test("the sign-in app's heartbeat", async () => {
    const fleet = await makeFleet();
    expect(await fleet.isSignInUp()).toBe(false);
    await fleet.markSignInUp();
    expect(await fleet.isSignInUp()).toBe(true);
  });
});

test("the store holds only the code's hash and a sealed value, which expires within a minute", async () => {
  const fleet = await redisFleet();
  const { code } = await issued(fleet);
  // Named by the code's SHA-256 (computed here, not by the code under test); nothing is named by the code itself.
  const base = `ironlink:fleet:${fleet.config.fleetName}:code:`;
  expect(await fleet.redis!.get(base + code)).toBeNull();
  const key = base + createHash("sha256").update(code).digest("base64url");
  const value = (await fleet.redis!.get(key))!;
  expect(value).toMatch(/^Fe26\.2\*/);
  expect(value).not.toContain(code);
  expect(await unsealData(value, { password })).toHaveProperty("origin", satellite);
  const ttl = await fleet.redis!.pttl(key);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(60_000);
});

/** How many codes the store holds: files in the file store's codes/ folder, or whether Redis has this code's key (named by its hash). */
async function storedCodes(fleet: Fleet, code: string): Promise<number> {
  if (fleet.config.store.kind === "file") return (await readdir(join(fleet.config.store.dir, "codes"))).length;
  return fleet.redis!.exists(`ironlink:fleet:${fleet.config.fleetName}:code:${createHash("sha256").update(code).digest("base64url")}`);
}

// The file store checks a code's expiry at the take; Redis keeps the code until its TTL (60 s on Redis's own
// clock, tested above), so there the sealed record's own expiry must refuse it. Either way, 61 s on: refused.
// The clock is Vitest's, installed before the fleet is made: the handoff keeps the `Date.now` it was made with,
// so a `Date.now` replaced afterwards would reach the file store's take but never the record's check.
describe.each([
  ["files, whose expiry is checked at the take", fileFleet],
  ["Redis, whose key outlives a clock moved on: the record's expiry refuses it", redisFleet],
])("an expired code is refused (%s)", (_store, makeFleet) => {
  test("61 s after it was issued, with the right verifier at the right origin", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      const fleet = await makeFleet();
      const { verifier, code } = await issued(fleet);
      expect(await storedCodes(fleet, code)).toBe(1);
      vi.setSystemTime(Date.now() + 61_000);
      expect(await fleet.handoff.redeem({ code, origin: satellite, verifier })).toBeUndefined();
      // Spent all the same: the clock put back does not bring it back.
      vi.setSystemTime(Date.now() - 61_000);
      expect(await storedCodes(fleet, code)).toBe(0);
      expect(await fleet.handoff.redeem({ code, origin: satellite, verifier })).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
