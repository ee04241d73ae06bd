import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedis, startRedisCluster, startRedisSentinel } from "@ironlink/testing";
import { describe, expect, inject, test } from "vitest";
import { createRedisClient } from "../src/redis";

describe("@ironlink/testing startRedis()", () => {
  test("starts a private, empty, loopback Redis and cleans up after itself", async () => {
    const server = await startRedis();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(server.url).not.toBe(inject("redisUrl"));
    expect(existsSync(server.dir)).toBe(true);
    const client = createRedisClient(server.url);
    try {
      expect(await client.ping()).toBe("PONG");
      expect(await client.dbsize()).toBe(0);
      expect(await client.config("GET", "save")).toEqual(["save", ""]);
      expect(await client.config("GET", "appendonly")).toEqual(["appendonly", "no"]);
      expect(await client.config("GET", "bind")).toEqual(["bind", "127.0.0.1"]);
    } finally {
      client.disconnect();
      await server.stop();
    }
    expect(server.running).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
    await server.stop(); // twice is fine
  });

  test("kill() takes it down and restart() brings it back on the same port", async () => {
    const server = await startRedis();
    try {
      await server.kill();
      expect(server.running).toBe(false);
      await server.restart();
      expect(server.running).toBe(true);
      const client = createRedisClient(server.url);
      expect(await client.ping()).toBe("PONG");
      client.disconnect();
    } finally {
      await server.stop();
    }
  });

  test("says how to install redis-server when it is missing", async () => {
    await expect(startRedis({ binary: "/nonexistent/redis-server" })).rejects.toThrow(
      /^redis-server not found: apt-get install -y redis-server/,
    );
  });
});

/** The pids of redis-server processes this (worker) process started and that are still running. */
function childRedisServers(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
      const ppid = Number(rest?.split(" ")[1]);
      if (ppid === process.pid && comm?.startsWith("redis-server") && !rest?.startsWith("Z")) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe.skipIf(!existsSync("/proc"))("@ironlink/testing startRedisCluster() and startRedisSentinel(), when the start fails", () => {
  test.each([
    ["startRedisCluster", startRedisCluster],
    ["startRedisSentinel", startRedisSentinel],
  ] as const)("%s stops every server it started and removes its temp dir", async (_, start) => {
    const parentDir = mkdtempSync(join(tmpdir(), "ironlink-harness-test-"));
    try {
      const probe = await startRedis(); // the check below does see this process's servers
      expect(childRedisServers()).toHaveLength(1);
      await probe.stop();
      expect(childRedisServers()).toEqual([]);
      // Servers come up, but the deployment cannot be ready within 1 ms.
      await expect(start({ readyTimeoutMs: 1, parentDir })).rejects.toThrow(/^timed out after 1 ms waiting for/);
      expect(childRedisServers()).toEqual([]);
      expect(readdirSync(parentDir)).toEqual([]);
      await expect(start({ binary: "/nonexistent/redis-server", parentDir })).rejects.toThrow(/^redis-server not found: apt-get install -y redis-server/);
      expect(readdirSync(parentDir)).toEqual([]);
    } finally {
      rmSync(parentDir, { recursive: true, force: true });
    }
  });
});
