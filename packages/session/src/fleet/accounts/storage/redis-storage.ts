import type { Cluster, Redis } from "ioredis";
import type { AttemptCounters, FactorRecords, UserRecords } from "./account-storage";

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

// Compare-and-set on one key. A missing key reads as false in Lua, so "absent" and each value travel with a flag
// (ARGV: expected present?, expected, next present?, next): an empty string stays a value, not an absence.
const swapScript = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '1' then redis.call('SET', KEYS[1], ARGV[4]) else redis.call('DEL', KEYS[1]) end
return 1`;

// Deletes the key only while it still names the owner: another user's claim made meanwhile stays.
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Factors as `<prefix><userId>` strings changed by a compare-and-set script, and the passkey index as
 * `<passkeyPrefix><credentialId>` → user id. Each command touches one key, so it works on a Cluster too.
 */
export function redisFactorRecords(redis: Redis | Cluster, prefix = "ironlink:factors:", passkeyPrefix = "ironlink:passkey:"): FactorRecords {
  return {
    get: (userId) => redis.get(prefix + userId),
    async swap(userId, expected, next) {
      const flags = [expected === null ? "0" : "1", expected ?? "", next === null ? "0" : "1", next ?? ""];
      return Number(await redis.eval(swapScript, 1, prefix + userId, ...flags)) === 1;
    },
    claimCredential: async (credentialId, userId) => (await redis.set(passkeyPrefix + credentialId, userId, "NX")) === "OK",
    credentialOwner: (credentialId) => redis.get(passkeyPrefix + credentialId),
    async releaseCredential(credentialId, userId) {
      await redis.eval(releaseScript, 1, passkeyPrefix + credentialId, userId);
    },
  };
}
