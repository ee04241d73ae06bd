import type { Cluster, Redis } from "ioredis";
import type { AttemptCounters, UserRecords } from "./account-storage";

/** Users as `<prefix><id>` strings; SET NX / XX make creation and replacement atomic. */
export function redisUserRecords(redis: Redis | Cluster, prefix = "ironlink:user:"): UserRecords {
  return {
    get: (id) => redis.get(prefix + id),
    create: async (id, record) => (await redis.set(prefix + id, record, "NX")) === "OK",
    replace: async (id, record) => (await redis.set(prefix + id, record, "XX")) === "OK",
  };
}

// Never below zero, and never on a key that expired meanwhile (a DECR would recreate it without expiry).
const decrementScript = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

/** Counters as `<prefix><key>` with a PEXPIRE set by the first increment. Each command touches one key. */
export function redisAttemptCounters(redis: Redis | Cluster, prefix = "ironlink:ratelimit:"): AttemptCounters {
  return {
    async increment(key, windowMs) {
      const results = await redis.multi().incr(prefix + key).pexpire(prefix + key, windowMs, "NX").pttl(prefix + key).exec();
      const failed = !results ? new Error("transaction aborted") : results.find(([error]) => error)?.[0];
      if (failed || !results) throw failed ?? new Error("transaction aborted");
      return { count: Number(results[0]?.[1]), remainingMs: Number(results[2]?.[1]) };
    },
    async decrement(key) {
      await redis.eval(decrementScript, 1, prefix + key);
    },
    async clear(key) {
      await redis.del(prefix + key);
    },
  };
}
