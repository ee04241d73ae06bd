import type { Cluster, Redis } from "ioredis";
import type { FleetConfig } from "../../config";
import type { AttemptCounters, UserRecords } from "./account-storage";
import { fileAttemptCounters, fileUserRecords } from "./file-storage";
import { redisAttemptCounters, redisUserRecords } from "./redis-storage";

/** The account stores beside the fleet's sessions, chosen by SESSION_STORE: every app of a fleet must choose the same. */
export function accountStorage(store: FleetConfig["store"], redis: Redis | Cluster | undefined): { users: UserRecords; attempts: AttemptCounters } {
  if (store.kind === "file") return { users: fileUserRecords(store.dir), attempts: fileAttemptCounters(store.dir) };
  if (!redis) throw new Error("ironlink: the Redis store has no client.");
  return { users: redisUserRecords(redis), attempts: redisAttemptCounters(redis) };
}
