import { randomUUID } from "node:crypto";
import { Cluster, Redis } from "ioredis";
import { describe, expect, inject, test } from "vitest";
import { createSessionManager, getIronSession, sessionInfo, type SessionOptions } from "../src/index";
import { RedisStore } from "../src/redis";
import { cookieName, MemoryCookieStore, manualClock, password, testRedisClient, topology, ttl, useTestRedis } from "./helpers";

// The same suite runs against one server, a Redis Cluster and a Sentinel-managed primary (IRONLINK_TEST_REDIS).
// These tests check that the run's Redis is the topology it claims, and that the store never needs two keys
// in one command, which is what lets it run unchanged on a cluster.

const redis = useTestRedis();
type Data = { user?: { id: string; username: string }; theme?: string };
const userIdOf = (data: Record<string, unknown>) => (data as Data).user?.id;

describe("the run's Redis", () => {
  const checks = {
    single: "one server, at inject('redisUrl')",
    cluster: "a Cluster client over 3 masters, and a file's keys spread across them",
    sentinel: "a client that found the primary through the sentinels",
  } as const;

  test(`is the topology IRONLINK_TEST_REDIS named (${topology}): ${checks[topology]}`, async () => {
    if (topology === "single") {
      expect(redis.client).toBeInstanceOf(Redis);
      expect(inject("redisConnection")).toBe(inject("redisUrl"));
      expect(await (redis.client as Redis).info("server")).toMatch(/^redis_mode:standalone\r?$/m);
    } else if (topology === "cluster") {
      const client = redis.client as Cluster;
      expect(client).toBeInstanceOf(Cluster);
      expect(inject("redisUrl")).toBeUndefined();
      const masters = client.nodes("master");
      expect(masters).toHaveLength(3);
      for (const master of masters) expect(await master.info("server")).toMatch(/^redis_mode:cluster\r?$/m);

      for (let i = 0; i < 12; i++) await redis.create({ n: i });
      const perMaster = await Promise.all(
        masters.map(async (master) => (await master.scan("0", "MATCH", `${redis.prefix}*`, "COUNT", 10_000))[1].length),
      );
      expect(perMaster.filter((count) => count > 0).length).toBeGreaterThan(1);
      expect(perMaster.reduce((a, b) => a + b, 0)).toBe((await redis.keys()).length);
    } else {
      const client = redis.client as Redis;
      expect(client).toBeInstanceOf(Redis);
      expect(inject("redisUrl")).toBeUndefined();
      const connection = inject("redisConnection") as { sentinels: unknown[]; name: string };
      expect(connection.sentinels).toHaveLength(3);
      expect(client.options.sentinels).toEqual(connection.sentinels);
      expect(client.options.name).toBe(connection.name);
      expect((await client.role())[0]).toBe("master");
    }
  });
});

describe("every command the store sends names at most one key (so no hash tags are needed on a cluster)", () => {
  test("a whole session lifecycle, with the user index and a legacy claim", async () => {
    // Records each command's keys at ioredis' sendCommand, on a client of its own.
    const client = testRedisClient();
    const sent: Array<{ name: string; keys: string[] }> = [];
    const target = client as unknown as { sendCommand(command: { name: string; getKeys(): Array<string | Buffer> }, ...rest: unknown[]): unknown };
    const send = target.sendCommand.bind(target);
    target.sendCommand = (command, ...rest) => {
      sent.push({ name: command.name.toLowerCase(), keys: command.getKeys().map(String) });
      return send(command, ...rest);
    };
    try {
      const store = new RedisStore({ client, prefix: redis.prefix });
      const c = manualClock();
      const options: SessionOptions = { password, cookieName, ttl, store, userId: userIdOf, idleTimeout: 600, touchInterval: 60, clock: c.clock };
      const manager = createSessionManager<Data>(options);
      const user = randomUUID();

      // Sign in on two devices; the session keys and the index key hash to different slots.
      const cookies: string[] = [];
      for (const device of ["laptop", "phone"]) {
        const jar = new MemoryCookieStore();
        const session = await getIronSession<Data & { device?: string }>(jar, options);
        session.user = { id: user, username: "demo" };
        session.device = device;
        await session.save();
        cookies.push(jar.written());
      }
      c.advance(120);
      const reopened = await getIronSession<Data>(new MemoryCookieStore({ [cookieName]: cookies[0] }), options); // a touch
      reopened.theme = "dark";
      await reopened.save(); // a compare-and-set update
      expect(await manager.listSessions(user)).toHaveLength(2);
      expect(await manager.revokeUserSessions(user, { except: sessionInfo(reopened).publicId })).toBe(1);
      await reopened.destroy();
      await store.claim("legacy:x", c.now + 60_000, c.now);
      expect(await store.isClaimed("legacy:x")).toBe(true);

      const names = new Set(sent.map(({ name }) => name));
      for (const name of ["set", "get", "evalsha", "del", "exists"]) expect(names).toContain(name);
      for (const { name, keys } of sent) {
        if (name === "info" || name === "cluster" || name === "role" || name === "sentinel") continue; // ioredis' own checks
        expect(keys.length, `${name} ${keys.join(" ")}`).toBeLessThanOrEqual(1);
      }
      // Keys of one user do land in different slots: with any multi-key command a cluster would answer CROSSSLOT.
      const allKeys = [...new Set(sent.flatMap(({ keys }) => keys))];
      expect(new Set(allKeys.map(keySlot)).size).toBeGreaterThan(1);
    } finally {
      await client.quit();
    }
  });
});

/** The cluster hash slot of a key (CRC16/XMODEM of the key, or of its {hash tag}, mod 16384). */
function keySlot(key: string): number {
  let hashed = key;
  const open = key.indexOf("{");
  if (open !== -1) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
