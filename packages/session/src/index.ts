export { getSession, type Session, type SessionMethods } from "./core";
export type { CookieStore } from "./cookies";
export { SessionConfigError, SessionStoreUnavailableError, isSessionStoreUnavailable } from "./errors";
export { defaultCookieOptions, normalizeOptions, type CookieOptions, type Password, type SessionOptions } from "./options";
export { sealCookie, unsealCookie, sealStoredValue, unsealStoredValue } from "./seal";
export { generateSessionId, storeKeyFor } from "./session-id";
export type { SessionStore } from "./stores/session-store";
export { RedisStore, createRedisClient, redisClientDefaults, type RedisLike, type RedisStoreOptions } from "./stores/redis-store";
