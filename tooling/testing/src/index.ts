import "./provided-context";

export { startRedis, type RedisServer, type StartRedisOptions } from "./redis";
