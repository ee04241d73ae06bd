import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";

/** Where Redis is: one node, a Redis Cluster, or a Sentinel-managed primary. */
export type RedisConnection = string | { url: string } | { clusterNodes: RedisNode[] } | SentinelConnection;
export type RedisNode = { host: string; port: number };
export type SentinelConnection = { sentinels: RedisNode[]; name: string };

/** Bounds that keep a request from hanging on a Redis that is down: it fails in about a second instead. */
export const redisClientDefaults = {
  connectTimeout: 1000,
  commandTimeout: 1000,
  maxRetriesPerRequest: 1,
  // Reconnect forever in the background, at most every 2 s, so the apps recover on their own.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
} as const satisfies RedisOptions;

/**
 * Closes a client for good: QUIT when Redis answers. While Redis is down, a QUIT queued behind other commands
 * fails with them (MaxRetriesPerRequestError); the connection is then dropped instead, so that shutting an
 * app down during an outage does not throw.
 */
export async function closeRedisClient(client: { quit(): Promise<unknown>; disconnect(): void }): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

/**
 * An ioredis client with the bounds above, for any of the three topologies, and an error listener so an
 * outage is logged once per outage instead of crashing the process or flooding the log.
 */
export function createRedisClient(connection: string | { url: string } | SentinelConnection, options?: RedisOptions): Redis;
export function createRedisClient(connection: { clusterNodes: RedisNode[] }, options?: RedisOptions): Cluster;
export function createRedisClient(connection: RedisConnection, options?: RedisOptions): Redis | Cluster;
export function createRedisClient(connection: RedisConnection, options: RedisOptions = {}): Redis | Cluster {
  const bounded = { ...redisClientDefaults, ...options };
  let client: Redis | Cluster;
  let where: string;
  if (typeof connection === "string" || "url" in connection) {
    const url = typeof connection === "string" ? connection : connection.url;
    client = new Redis(url, bounded);
    where = redactUrl(url);
  } else if ("clusterNodes" in connection) {
    const clusterOptions: ClusterOptions = {
      redisOptions: bounded,
      clusterRetryStrategy: redisClientDefaults.retryStrategy,
      // Follow a failover: refresh the slot map as soon as a node answers MOVED or goes away.
      slotsRefreshTimeout: 1000,
      enableOfflineQueue: true,
    };
    client = boundClusterCommands(new Cluster(connection.clusterNodes, clusterOptions), bounded.commandTimeout);
    where = `the cluster at ${connection.clusterNodes.map((n) => `${n.host}:${n.port}`).join(",")}`;
  } else {
    const sentinelOptions: RedisOptions = {
      ...bounded,
      sentinels: connection.sentinels,
      name: connection.name,
      sentinelRetryStrategy: redisClientDefaults.retryStrategy,
    };
    client = new Redis(sentinelOptions);
    where = `the "${connection.name}" primary of sentinels ${connection.sentinels.map((n) => `${n.host}:${n.port}`).join(",")}`;
  }
  let down = false;
  client.on("error", (error: Error) => {
    if (down) return;
    down = true;
    console.error(`ironlink: Redis (${where}) is unreachable (${error.message}); retrying.`);
  });
  client.on("ready", () => {
    if (down) console.error(`ironlink: Redis (${where}) is back.`);
    down = false;
  });
  return client;
}

/**
 * ioredis applies `commandTimeout` on each node's connection only, so a command the Cluster holds back (in its
 * offline queue while no node answers, e.g. the whole cluster down or not reachable yet) would wait forever.
 * Starting the timer when the command enters the Cluster bounds it end to end, as on one node (the node
 * connection does not restart it); a command that timed out in the offline queue is not sent afterwards.
 */
function boundClusterCommands(cluster: Cluster, timeoutMs: number | undefined): Cluster {
  if (typeof timeoutMs !== "number" || timeoutMs <= 0) return cluster;
  const send = cluster.sendCommand.bind(cluster);
  cluster.sendCommand = (command, stream, node) => {
    if (command.isSettled) return command.promise;
    command.setTimeout(timeoutMs);
    return send(command, stream, node);
  };
  return cluster;
}

/** `host:port,host:port` → nodes. */
export function parseRedisNodes(list: string): RedisNode[] {
  return list
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(entry);
      if (!match) throw new Error(`"${entry}" is not host:port`);
      return { host: match[1]!, port: Number(match[2]) };
    });
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(invalid REDIS_URL)";
  }
}
