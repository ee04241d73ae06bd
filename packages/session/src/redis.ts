/** `@ironlink/session/redis`: the Redis store and its client. Needs the optional peer dependency ioredis. */
export { RedisStore } from "./stores/redis-store";
export { createRedisClient, parseRedisNodes } from "./stores/redis-client";
