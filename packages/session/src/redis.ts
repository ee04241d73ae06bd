/** `@ironlink/session/redis`: the Redis store and its client. Needs the optional peer dependency ioredis. */
export { RedisStore, type RedisLike, type RedisStoreOptions } from "./stores/redis-store";
export { createRedisClient, parseRedisNodes, redisClientDefaults, type RedisConnection } from "./stores/redis-client";
