import { type RedisNode, startRedisCluster } from "./cluster";
import { startRedis } from "./redis";
import { startRedisSentinel } from "./sentinel";

/** The Redis deployments the test harness can run a suite against. */
export type RedisTopology = "single" | "cluster" | "sentinel";
export const redisTopologies: readonly RedisTopology[] = ["single", "cluster", "sentinel"];

/**
 * How a client reaches a topology: the same shapes `createRedisClient` of @ironlink/session takes (a URL,
 * `{ clusterNodes }`, or `{ sentinels, name }`). Plain data, so Vitest can hand it to test workers.
 */
export type RedisConnectionDescriptor = string | { clusterNodes: RedisNode[] } | { sentinels: RedisNode[]; name: string };

/** The environment variable that picks the topology of a test run. */
export const topologyEnvVar = "IRONLINK_TEST_REDIS";

/** The topology named by IRONLINK_TEST_REDIS (single when unset or empty); throws on anything else. */
export function topologyFromEnv(env: NodeJS.ProcessEnv = process.env): RedisTopology {
  const value = env[topologyEnvVar]?.trim().toLowerCase() || "single";
  if (!(redisTopologies as readonly string[]).includes(value)) {
    throw new Error(`${topologyEnvVar} must be one of ${redisTopologies.join(", ")} (got "${env[topologyEnvVar]}")`);
  }
  return value as RedisTopology;
}

/** A running topology, started by this process. */
export interface RunningTopology {
  topology: RedisTopology;
  connection: RedisConnectionDescriptor;
  /** The URL of the server, for the single topology only. */
  url: string | undefined;
  /** Stops every process of the topology and removes its temp dirs. */
  stop(): Promise<void>;
}

/**
 * Starts a private deployment of the topology: one redis-server; a cluster of 3 masters (no replicas: the
 * shared cluster is never failed over, failover tests start their own); or a primary, a replica and 3 sentinels.
 */
export async function startRedisTopology(topology: RedisTopology): Promise<RunningTopology> {
  switch (topology) {
    case "single": {
      const server = await startRedis();
      return { topology, connection: server.url, url: server.url, stop: () => server.stop() };
    }
    case "cluster": {
      const cluster = await startRedisCluster({ replicasPerMaster: 0, nodeTimeoutMs: 5000 });
      return { topology, connection: { clusterNodes: [...cluster.nodes] }, url: undefined, stop: () => cluster.stop() };
    }
    case "sentinel": {
      const sentinel = await startRedisSentinel();
      return {
        topology,
        connection: { sentinels: [...sentinel.sentinels], name: sentinel.name },
        url: undefined,
        stop: () => sentinel.stop(),
      };
    }
  }
}
