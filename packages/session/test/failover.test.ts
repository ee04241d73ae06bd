import { existsSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { type RedisCluster, type RedisSentinel, startRedisCluster, startRedisSentinel } from "@ironlink/testing";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { getIronSession, sessionInfo, type SessionOptions, SessionStoreUnavailableError } from "../src/index";
import { isSessionStoreUnavailable } from "../src/errors";
import { createRedisClient, RedisStore } from "../src/redis";
import { storeKeyFor } from "../src/session-id";
import { cookieName, MemoryCookieStore, password, sidOf, topology, ttl } from "./helpers";

// A failover needs a replica to promote, and killing a server: each run starts a deployment of its own
// (3 masters + 3 replicas, or a primary, a replica and 3 sentinels) rather than fail over the one the other
// test files share. With IRONLINK_TEST_REDIS=single there is nothing to fail over to.

/** No single operation may take longer than this, outage or not: a request fails fast rather than hangs. */
const slowestAllowedMs = 2500;
/** From the kill until reads and saves work again by themselves. */
const recoveryBoundMs = 15_000;

type Data = { user?: { id: string; username: string }; signedInAt?: number; signedInOn?: string; userAgent?: string; hits?: number };
type Op = { kind: "read" | "save"; start: number; end: number; error?: unknown };

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

describe.skipIf(topology === "single")(`failover of the ${topology === "single" ? "cluster/sentinel (IRONLINK_TEST_REDIS=cluster or sentinel only)" : topology}`, () => {
  let deployment: RedisCluster | RedisSentinel;
  let client: Redis | Cluster;

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    deployment = topology === "cluster" ? await startRedisCluster() : await startRedisSentinel();
    client =
      topology === "cluster"
        ? createRedisClient({ clusterNodes: [...(deployment as RedisCluster).nodes] })
        : createRedisClient({ sentinels: [...(deployment as RedisSentinel).sentinels], name: (deployment as RedisSentinel).name });
  });

  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    client?.disconnect();
    await deployment?.stop();
    if (deployment) expect(existsSync(deployment.dir)).toBe(false);
  });

  test(
    "killing the server that holds a session: only operations during the outage fail, each fast and as SessionStoreUnavailableError; then it all works again, with the replicated session intact",
    async () => {
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      let running = true; // the request loops below run until this is false, whatever happens
      try {
        const store = new RedisStore({ client, prefix: `test:${randomUUID()}:` });
        const options: SessionOptions = { password, cookieName, ttl, store, userId: (data) => (data as Data).user?.id };

        // A signed-in session, as the demo apps write it, replicated before anything is killed.
        const signedIn: Data = {
          user: { id: randomUUID(), username: "demo" },
          signedInAt: Date.now(),
          signedInOn: "one",
          userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
        };
        const jar = new MemoryCookieStore();
        const created = await getIronSession<Data>(jar, options);
        Object.assign(created, signedIn);
        await created.save();
        const cookie = jar.written();
        const redisKey = store.prefix + storeKeyFor(await sidOf(cookie));
        expect(await replicate(redisKey)).toBeGreaterThanOrEqual(1);

        // Two request loops on that session, each a read then a save, until told to stop.
        const ops: Op[] = [];
        const timed = async (kind: Op["kind"], action: () => Promise<unknown>) => {
          const op: Op = { kind, start: Date.now(), end: 0 };
          ops.push(op);
          try {
            await action();
          } catch (error) {
            op.error = error;
          } finally {
            op.end = Date.now();
          }
        };
        const loop = async () => {
          while (running) {
            let session: Awaited<ReturnType<typeof getIronSession<Data>>> | undefined;
            await timed("read", async () => {
              session = await getIronSession<Data>(new MemoryCookieStore({ [cookieName]: cookie }), options);
            });
            if (session) {
              const s = session;
              s.hits = (s.hits ?? 0) + 1;
              await timed("save", () => s.save());
            }
            await sleep(10);
          }
        };
        const loops = [loop(), loop()];

        await sleep(300);
        const killedAt = Date.now();
        const killed =
          topology === "cluster" ? await (deployment as RedisCluster).killMaster(redisKey) : await (deployment as RedisSentinel).killPrimary();

        // When the deployment itself names a new master (a sentinel, or a surviving cluster node's slot map).
        const currentMaster = () =>
          topology === "cluster" ? (deployment as RedisCluster).masterOf(redisKey) : (deployment as RedisSentinel).primary();
        let promotedAt: number | undefined;
        const watching = (async () => {
          while (running && promotedAt === undefined) {
            const master = await currentMaster().catch(() => undefined);
            if (master && master.port !== killed.port) promotedAt = Date.now();
            else await sleep(50);
          }
        })();

        // Runs until half a second of nothing but successes follows the last failure, or the bound passes.
        let failures: Op[] = [];
        while (Date.now() - killedAt < recoveryBoundMs + slowestAllowedMs) {
          await sleep(100);
          failures = ops.filter((op) => op.error !== undefined);
          const lastFailure = failures.at(-1);
          const settledSince = lastFailure ? Math.max(lastFailure.end, killedAt) : killedAt;
          const okSince = ops.filter((op) => op.end > 0 && op.start > settledSince && op.error === undefined);
          if (lastFailure && Date.now() - settledSince > 500 && okSince.length >= 10) break;
        }
        running = false;
        await Promise.all([...loops, watching]);

        failures = ops.filter((op) => op.error !== undefined);
        const lastFailure = failures.at(-1) as Op;
        const firstFailure = failures[0] as Op;
        const slowest = Math.max(...ops.map((op) => op.end - op.start));
        const unavailableMs = lastFailure ? lastFailure.end - killedAt : 0;
        const backAt = ops.find((op) => op.error === undefined && op.end > (lastFailure?.end ?? killedAt))?.end;
        console.info(
          `failover (${topology}): killed ${killed.host}:${killed.port}; ${failures.length} of ${ops.length} operations failed, ` +
            `the first ${firstFailure ? firstFailure.end - killedAt : "-"} ms and the last ${unavailableMs} ms after the kill; ` +
            `replica promoted ${promotedAt === undefined ? "?" : promotedAt - killedAt} ms after the kill; ` +
            `operations succeed again ${backAt === undefined ? "?" : backAt - killedAt} ms after the kill; ` +
            `slowest operation ${slowest} ms`,
        );

        // Nothing failed before the kill, nothing hung, and every failure was the store's own error.
        expect(failures.every((op) => op.end >= killedAt)).toBe(true);
        expect(slowest).toBeLessThan(slowestAllowedMs);
        for (const { error } of failures) {
          expect(error).toBeInstanceOf(SessionStoreUnavailableError);
          expect(isSessionStoreUnavailable(error)).toBe(true);
        }
        // It recovered by itself: failures stopped within the bound, and the operations after them succeeded.
        expect(unavailableMs).toBeLessThan(recoveryBoundMs);
        const after = ops.filter((op) => op.start > lastFailure.end);
        expect(after.length).toBeGreaterThanOrEqual(10);
        expect(after.every((op) => op.error === undefined)).toBe(true);
        expect(after.some((op) => op.kind === "save")).toBe(true);

        // The promoted replica serves the session written (and replicated) before the kill.
        const promoted = await currentMaster();
        expect(promoted.port).not.toBe(killed.port);
        const reread = await getIronSession<Data>(new MemoryCookieStore({ [cookieName]: cookie }), options);
        expect(sessionInfo(reread).state).toBe("active");
        expect({ ...reread, hits: undefined }).toEqual({ ...signedIn, hits: undefined });
        expect(unhandled).toEqual([]);
      } finally {
        running = false;
        logged.mockRestore();
      }
    },
    40_000,
  );

  /** WAIT 1 0 on the connection that wrote the key: resolves once a replica has it. */
  async function replicate(key: string): Promise<number> {
    if (topology === "sentinel") return (client as Redis).wait(1, 0);
    const owner = await (deployment as RedisCluster).masterOf(key);
    const node = (client as Cluster).nodes("master").find((n) => n.options.port === owner.port);
    if (!node) throw new Error(`no connection to the master of ${key} (port ${owner.port})`);
    return node.wait(1, 0);
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
