import { existsSync } from "node:fs";
import { startRedis } from "@ironlink/testing";
import { describe, expect, inject, test } from "vitest";
import { createRedisClient } from "../src/index";

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
