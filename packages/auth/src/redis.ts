import { createRedisClient } from "@ironlink/session/redis";
import type { Cluster, Redis } from "ioredis";
import { getConfig } from "./config";

interface RedisHandle {
  client: Redis | Cluster;
  /** Set by the client's own close/error/ready events: true from a connection loss or failure until it reconnects. */
  down: boolean;
}

// One client per process; kept on globalThis so dev-mode reloads (and the proxy) reuse it instead of
// opening more connections.
const globalForRedis = globalThis as typeof globalThis & { __ironlinkRedis?: RedisHandle };

function handle(): RedisHandle {
  if (!globalForRedis.__ironlinkRedis) {
    const client = createRedisClient(getConfig().redis);
    const created: RedisHandle = { client, down: false };
    // "close" comes the moment the connection drops (Redis killed, network cut); "error" only once a
    // reconnection attempt fails. Either way, answer 503 at once until the client is ready again.
    const markDown = () => {
      created.down = true;
    };
    client.on("close", markDown);
    client.on("error", markDown);
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

/**
 * Whether the session store is known to be unreachable right now: a check without I/O, to answer 503
 * before doing work. Only Redis can be down this way; a file store answers for itself.
 */
export function storeIsDown(): boolean {
  return getConfig().store.kind === "redis" && handle().down;
}
