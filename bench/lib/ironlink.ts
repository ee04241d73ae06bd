import { createSessionManager, type SessionManager } from "@ironlink/session";
import { createRedisClient, RedisStore } from "@ironlink/session/redis";
import type { Redis } from "ioredis";
import { type BenchSessionData, ironlinkOptions, keyPrefix } from "./fixture";

/** The fixture's session manager on `client`: the routes' options, as the bench scripts mint with them too. */
export function benchSessions(client: Redis): SessionManager<BenchSessionData> {
  return createSessionManager<BenchSessionData>(ironlinkOptions({ store: new RedisStore({ client, prefix: keyPrefix }) }));
}

let manager: SessionManager<BenchSessionData> | undefined;
/** One manager per process, as in packages/next/src/session.ts, made on first use (never at build time). */
export function sessions(): SessionManager<BenchSessionData> {
  if (manager) return manager;
  const url = process.env.REDIS_URL;
  if (!url) throw new Error("REDIS_URL is not set: run the fixture through `npm run bench`.");
  manager = benchSessions(createRedisClient(url));
  return manager;
}
