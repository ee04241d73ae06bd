import type { SessionStore } from "@ironlink/session";
import { getFleet } from "../fleet";
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
  const fleet = getFleet();
  const { store } = fleet.config;
  const accounts =
    store.kind === "file"
      ? { users: fileUserRecords(store.dir), attempts: fileAttemptCounters(store.dir) }
      : { users: redisUserRecords(fleet.redis!), attempts: redisAttemptCounters(fleet.redis!) };
  storage = { kind: store.kind, sessions: fleet.store, ...accounts, ping: fleet.ping };
  return storage;
}
