import "server-only";
import { createRedisClient } from "@ironlink/session";
import type { Cluster, Redis } from "ioredis";
import { getConfig } from "./config";

interface RedisHandle {
  client: Redis | Cluster;
  /** Set by the client's own error/ready events: true from a connection failure until it reconnects. */
  down: boolean;
}

// One client per process; kept on globalThis so dev-mode reloads (and the proxy) reuse it instead of
// opening more connections.
const globalForRedis = globalThis as typeof globalThis & { __ironlinkRedis?: RedisHandle };

function handle(): RedisHandle {
  if (!globalForRedis.__ironlinkRedis) {
    const client = createRedisClient(getConfig().redis);
    const created: RedisHandle = { client, down: false };
    client.on("error", () => {
      created.down = true;
    });
    client.on("ready", () => {
      created.down = false;
    });
    globalForRedis.__ironlinkRedis = created;
  }
  return globalForRedis.__ironlinkRedis;
}

export function getRedis(): Redis | Cluster {
  return handle().client;
}

/** Whether Redis is known to be unreachable right now: a check without I/O, to answer 503 before doing work. */
export function redisIsDown(): boolean {
  return handle().down;
}
