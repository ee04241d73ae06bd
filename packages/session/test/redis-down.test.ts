import { freePort, startRedis } from "@ironlink/testing";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { getIronSession, type SessionOptions, SessionStoreUnavailableError } from "../src/index";
import { isSessionStoreUnavailable } from "../src/errors";
import { createFleet, readFleetConfig } from "../src/fleet/index";
import { createRedisClient, RedisStore } from "../src/redis";
import { sealCookie } from "../src/seal";
import { generateSessionId } from "../src/session-id";
import { cookieName, MemoryCookieStore, password, ttl } from "./helpers";

const prefix = `test:${crypto.randomUUID()}:`;
const options = (store: RedisStore): SessionOptions => ({ password, cookieName, ttl, store });

// Failing to reach Redis must reject the request's promise, never surface as an unhandled rejection.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
});

/** A loopback port with nothing listening on it. */
const deadPort = freePort;

/** How getIronSession settles for a request carrying a well-formed cookie, so the store must be asked. */
async function timedGetSession(store: RedisStore): Promise<{ error: unknown; elapsed: number }> {
  const cookie = await sealCookie(generateSessionId(), { 1: password }, ttl);
  const started = Date.now();
  const error = await getIronSession(new MemoryCookieStore({ [cookieName]: cookie }), options(store)).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, elapsed: Date.now() - started };
}

describe("when Redis is down, getIronSession rejects with SessionStoreUnavailableError, fast", () => {
  test("a client pointed at a port where nothing listens", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const client = createRedisClient(`redis://127.0.0.1:${await deadPort()}`);
    try {
      const store = new RedisStore({ client, prefix });
      for (let i = 0; i < 2; i++) {
        const { error, elapsed } = await timedGetSession(store);
        expect(error).toBeInstanceOf(SessionStoreUnavailableError);
        expect(isSessionStoreUnavailable(error)).toBe(true);
        expect((error as Error).message).toMatch(/^ironlink: could not read the session in Redis \(/);
        expect((error as Error).cause).toBeInstanceOf(Error);
        expect(elapsed).toBeLessThan(2500);
      }

      // Writing fails the same way, and no cookie is sent for a session that was not stored.
      const cookies = new MemoryCookieStore();
      const session = await getIronSession<{ a: number }>(cookies, options(store)); // no cookie: Redis not asked
      session.a = 1;
      await expect(session.save()).rejects.toBeInstanceOf(SessionStoreUnavailableError);
      expect(cookies.writes).toEqual([]);

      // The outage was logged once, not once per reconnect attempt.
      const outageLogs = logged.mock.calls.filter(([message]) => String(message).includes("is unreachable"));
      expect(outageLogs).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      client.disconnect();
      logged.mockRestore();
    }
  });

  test("a Cluster client whose nodes, and a Sentinel client whose sentinels, all refuse connections", async () => {
    // A cluster client holds commands back until some node answers: without a bound of its own it would wait forever.
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const nodes = [{ host: "127.0.0.1", port: await deadPort() }];
    const clients = { cluster: createRedisClient({ clusterNodes: nodes }), sentinel: createRedisClient({ sentinels: nodes, name: "mymaster" }) };
    try {
      await Promise.all(
        Object.entries(clients).map(async ([kind, client]) => {
          const store = new RedisStore({ client, prefix });
          const { error, elapsed } = await timedGetSession(store);
          expect(error, kind).toBeInstanceOf(SessionStoreUnavailableError);
          expect(elapsed, kind).toBeLessThan(2500);
          const session = await getIronSession<{ a: number }>(new MemoryCookieStore(), options(store));
          session.a = 1;
          const started = Date.now();
          await expect(session.save(), kind).rejects.toBeInstanceOf(SessionStoreUnavailableError);
          expect(Date.now() - started, kind).toBeLessThan(2500);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      for (const client of Object.values(clients)) client.disconnect();
      logged.mockRestore();
    }
  });

  test("a Redis that goes away mid-run, then comes back", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const server = await startRedis();
    const client = createRedisClient(server.url);
    try {
      const store = new RedisStore({ client, prefix });
      const cookies = new MemoryCookieStore();
      const session = await getIronSession<{ user: string }>(cookies, options(store));
      session.user = "u";
      await session.save();
      const cookie = cookies.written();

      await server.kill();
      expect(server.running).toBe(false);
      const started = Date.now();
      await expect(getIronSession(new MemoryCookieStore({ [cookieName]: cookie }), options(store))).rejects.toBeInstanceOf(
        SessionStoreUnavailableError,
      );
      expect(Date.now() - started).toBeLessThan(2500);

      // Back up (empty: nothing is persisted): the same client recovers on its own.
      await server.restart();
      let recovered: object | undefined;
      const deadline = Date.now() + 5000;
      while (!recovered && Date.now() < deadline) {
        recovered = await getIronSession(new MemoryCookieStore({ [cookieName]: cookie }), options(store)).catch(() => undefined);
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(recovered).toBeDefined();
      expect({ ...recovered }).toEqual({}); // the restarted Redis lost the session: anonymous, not an error
      expect(logged.mock.calls.some(([message]) => String(message).includes("is back"))).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      client.disconnect();
      await server.stop();
      logged.mockRestore();
    }
  });
});

test("a fleet closes while Redis is down with a command still waiting: no throw, the connection dropped", async () => {
  const logged = vi.spyOn(console, "error").mockImplementation(() => {});
  const env = { SESSION_PASSWORD: password };
  const config = { ...readFleetConfig(env), store: { kind: "redis" as const, redis: `redis://127.0.0.1:${await deadPort()}` } };
  const fleet = createFleet({ env, config });
  try {
    // An app shutting down mid-outage: a request's command still waits in the client's queue.
    const inFlight = fleet.isSignInUp().catch((error: unknown) => error);
    await expect(fleet.close()).resolves.toBeUndefined();
    expect(isSessionStoreUnavailable(await inFlight)).toBe(true);
    // No reconnection attempts left running in the background (they come every 100-300 ms this early).
    const attempts: string[] = [];
    fleet.redis?.on("reconnecting", () => attempts.push("reconnecting"));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(attempts).toEqual([]);
    expect(unhandled).toEqual([]);
  } finally {
    fleet.redis?.disconnect();
    logged.mockRestore();
  }
});
