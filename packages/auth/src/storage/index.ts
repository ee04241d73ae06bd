import type { SessionStore } from "@ironlink/session";
import { FileStore } from "@ironlink/session/file";
import { RedisStore } from "@ironlink/session/redis";
import { getConfig } from "../config";
import { getRedis } from "../redis";
import type { AttemptCounters, UserRecords } from "./account-storage";
import { fileAttemptCounters, fileUserRecords } from "./file-storage";
import { redisAttemptCounters, redisUserRecords } from "./redis-storage";

export interface Storage {
  kind: "redis" | "file";
  sessions: SessionStore;
  users: UserRecords;
  attempts: AttemptCounters;
  /** Answers whether the store works right now, for /api/health. */
  ping(): Promise<void>;
}

let storage: Storage | undefined;
/** The process's storage, chosen by SESSION_STORE: every app of a fleet must choose the same. */
export function getStorage(): Storage {
  if (storage) return storage;
  const config = getConfig();
  if (config.store.kind === "file") {
    const { dir } = config.store;
    const sessions = new FileStore({ dir });
    storage = {
      kind: "file",
      sessions,
      users: fileUserRecords(dir),
      attempts: fileAttemptCounters(dir),
      ping: async () => {
        await sessions.get("A".repeat(43));
      },
    };
  } else {
    const redis = getRedis();
    storage = {
      kind: "redis",
      sessions: new RedisStore({ client: redis }),
      users: redisUserRecords(redis),
      attempts: redisAttemptCounters(redis),
      ping: async () => {
        await redis.ping();
      },
    };
  }
  return storage;
}
