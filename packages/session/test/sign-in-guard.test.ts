import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { createSessionManager, getIronSession, type SessionManager, type SessionOptions, type SessionStore, sessionInfo } from "../src/index";
import { FileStore } from "../src/file";
import { RedisStore } from "../src/redis";
import { cookieName, MemoryCookieStore, password, useTestRedis } from "./helpers";

/**
 * Issue 22, weakness 3: no session signed in with old credentials survives a revocation of the user's
 * sessions (a password change, "sign out everywhere") that races it. The guard (manager.ts, signInGuard): a
 * sign-in takes a ticket before its password check and, once its session is saved, checks that no
 * revocation of the user began since; a revocation counts itself before it lists the user's sessions.
 * Each interleaving of a sign-in's steps with a revocation, on this run's Redis topology and on files, with
 * the sign-in and the revocation in two "apps" (two store instances on the same data).
 */
const redis = useTestRedis();
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

type Data = { user?: { id: string } };

const storePairs: [string, () => Promise<[SessionStore, SessionStore]>][] = [
  ["RedisStore", async () => [redis.store, new RedisStore({ client: redis.client, prefix: redis.prefix })]],
  [
    "FileStore",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "ironlink-guard-"));
      dirs.push(dir);
      return [new FileStore({ dir }), new FileStore({ dir })];
    },
  ],
];

/** Where, among the sign-in's steps, the other app's revocation runs. */
type RevokeAt = "before the ticket" | "after the ticket" | "after the save" | "after the check";

describe.each(storePairs)("%s: the sign-in guard", (_name, openStores) => {
  async function twoApps() {
    const [one, two] = await openStores();
    const options = (store: SessionStore): SessionOptions => ({ password, cookieName, ttl: 3600, store, userId: (data) => (data as Data).user?.id });
    return { signInApp: createSessionManager<Data>(options(one)), otherApp: createSessionManager<Data>(options(two)), options: options(one) };
  }

  /** A sign-in as account.ts does it (ticket, password check, save, check), with the revocation at `revokeAt`. */
  async function signInRacing(revokeAt: RevokeAt, revoke: () => Promise<unknown>, app: SessionManager<Data>, options: SessionOptions, userId: string) {
    if (revokeAt === "before the ticket") await revoke();
    const ticket = await app.signInTicket();
    if (revokeAt === "after the ticket") await revoke(); // the password is checked here: the old one, if it is a change
    const cookies = new MemoryCookieStore();
    const session = await getIronSession<Data>(cookies, options);
    session.user = { id: userId };
    await session.save();
    const publicId = sessionInfo(session).publicId as string;
    if (revokeAt === "after the save") await revoke();
    const current = await app.isSignInCurrent(ticket, userId);
    if (!current) await session.destroy();
    if (revokeAt === "after the check") await revoke();
    return { current, publicId };
  }

  test.each<RevokeAt>(["after the ticket", "after the save", "after the check"])(
    "a revocation %s leaves the sign-in's session ended, by the revocation or by the sign-in's own check",
    async (revokeAt) => {
      const { signInApp, otherApp, options } = await twoApps();
      const user = randomUUID();
      const { current, publicId } = await signInRacing(revokeAt, () => otherApp.revokeUserSessions(user), signInApp, options, user);
      expect(current).toBe(revokeAt === "after the check"); // passed its check, then the revocation found it
      expect(await options.store.get(publicId)).toBeNull();
      expect(await signInApp.listSessions(user)).toEqual([]);
    },
  );

  test("a sign-in that starts after the revocation keeps its session: it checked the current password", async () => {
    const { signInApp, otherApp, options } = await twoApps();
    const user = randomUUID();
    const { current, publicId } = await signInRacing("before the ticket", () => otherApp.revokeUserSessions(user), signInApp, options, user);
    expect(current).toBe(true);
    expect((await signInApp.listSessions(user)).map((s) => s.publicId)).toEqual([publicId]);
  });

  test("only that user's sign-ins are affected, and a revocation with `except` (a password change) counts too", async () => {
    const { signInApp, otherApp } = await twoApps();
    const [user, other] = [randomUUID(), randomUUID()];
    const ticket = await signInApp.signInTicket();
    await otherApp.revokeUserSessions(user, { except: "A".repeat(43) });
    expect(await signInApp.isSignInCurrent(ticket, user)).toBe(false);
    expect(await signInApp.isSignInCurrent(ticket, other)).toBe(true);
    expect(await signInApp.isSignInCurrent(await signInApp.signInTicket(), user)).toBe(true);
  });

  test("revocations at once from two apps: the user's mark only grows, every earlier ticket fails", async () => {
    const { signInApp, otherApp } = await twoApps();
    const user = randomUUID();
    const tickets = [await signInApp.signInTicket()];
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? signInApp : otherApp).revokeUserSessions(user)));
    tickets.push(await signInApp.signInTicket());
    expect(await signInApp.isSignInCurrent(tickets[0]!, user)).toBe(false);
    expect(await signInApp.isSignInCurrent(tickets[1]!, user)).toBe(true);
    expect(tickets[1]!.revocations - tickets[0]!.revocations).toBeGreaterThanOrEqual(10);
  });
});
