import "server-only";
import { createRedisClient } from "@ironlink/session";
import type { Redis } from "ioredis";
import { getConfig } from "./config";

// One client per process; kept on globalThis so dev-mode reloads reuse it instead of leaking connections.
const globalForRedis = globalThis as typeof globalThis & { __ironlinkRedis?: Redis };

export function getRedis(): Redis {
  globalForRedis.__ironlinkRedis ??= createRedisClient(getConfig().redisUrl);
  return globalForRedis.__ironlinkRedis;
}
