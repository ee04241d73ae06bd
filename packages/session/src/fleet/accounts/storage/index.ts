import type { Cluster, Redis } from "ioredis";
import type { FleetConfig } from "../../config";
import type { AttemptCounters, FactorRecords, UserRecords } from "./account-storage";
import { fileAttemptCounters, fileFactorRecords, fileUserRecords } from "./file-storage";
import { redisAttemptCounters, redisFactorRecords, redisUserRecords } from "./redis-storage";

/** The account stores beside the fleet's sessions. */
export interface AccountStorage {
  users: UserRecords;
  attempts: AttemptCounters;
  factors: FactorRecords;
}

/** The account stores beside the fleet's sessions, chosen by SESSION_STORE: every app of a fleet must choose the same. */
export function accountStorage(store: FleetConfig["store"], redis: Redis | Cluster | undefined): AccountStorage {
  if (store.kind === "file") return { users: fileUserRecords(store.dir), attempts: fileAttemptCounters(store.dir), factors: fileFactorRecords(store.dir) };
  if (!redis) throw new Error("ironlink: the Redis store has no client.");
  return { users: redisUserRecords(redis), attempts: redisAttemptCounters(redis), factors: redisFactorRecords(redis) };
}
