import { createSessionManager, type SessionManager } from "@ironlink/session";
import { createRedisClient, RedisStore } from "@ironlink/session/redis";
import { type BenchSessionData, ironlinkOptions, keyPrefix } from "./fixture";

let manager: SessionManager<BenchSessionData> | undefined;
/** One manager per process, as in packages/next/src/session.ts, made on first use (never at build time). */
export function sessions(): SessionManager<BenchSessionData> {
  if (manager) return manager;
  const url = process.env.REDIS_URL;
  if (!url) throw new Error("REDIS_URL is not set: run the fixture through `npm run bench`.");
  manager = createSessionManager<BenchSessionData>(ironlinkOptions({ store: new RedisStore({ client: createRedisClient(url), prefix: keyPrefix }) }));
  return manager;
}
