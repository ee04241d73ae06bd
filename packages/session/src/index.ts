export {
  createSessionManager,
  getIronSession,
  getSession,
  type IronSession,
  type ListedSession,
  regenerateSession,
  type Session,
  type SessionInfo,
  type SessionManager,
  type SessionMethods,
  type SessionState,
  sessionInfo,
} from "./core";
export { sealData, unsealData } from "iron-session";
export { type CookieStore, cookieStoreWithHeader } from "./cookies";
export { SessionConfigError, SessionStoreUnavailableError, isSessionStoreUnavailable } from "./errors";
export {
  defaultCookieOptions,
  normalizeOptions,
  type CookieOptions,
  type Password,
  type SessionConfigUpdate,
  type SessionOptions,
} from "./options";
export { openCookie, sealCookie, unsealCookie, sealStoredValue, unsealStoredValue, type StoredValue } from "./seal";
export { generateSessionId, storeKeyFor } from "./session-id";
export type { SessionStore, StoreWrite, WriteResult } from "./stores/session-store";
export { FileStore, type FileStoreOptions } from "./stores/file-store";
export { readTextIfExists, withFileLock, writeFileAtomic } from "./stores/file-io";
export { RedisStore, type RedisLike, type RedisStoreOptions } from "./stores/redis-store";
export { createRedisClient, parseRedisNodes, redisClientDefaults, type RedisConnection } from "./stores/redis-client";
