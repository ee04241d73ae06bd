import "./provided-context";

export { startRedis, type RedisServer, type StartRedisOptions } from "./redis";
export { startRedisCluster, type RedisCluster, type RedisNode, type StartRedisClusterOptions } from "./cluster";
export { startRedisSentinel, type RedisSentinel, type StartRedisSentinelOptions } from "./sentinel";
export {
  redisTopologies,
  startRedisTopology,
  topologyEnvVar,
  topologyFromEnv,
  type RedisConnectionDescriptor,
  type RedisTopology,
  type RunningTopology,
} from "./topology";
export { createOutsideProject, typecheckOutsideProject, installedVersion, npm, outsideEnv, run, workspaceRoot, type OutsideProjectOptions } from "./outside-project";
export { freePort } from "./internal";
