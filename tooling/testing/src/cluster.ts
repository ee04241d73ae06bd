import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  baseArgs,
  fastReplicationArgs,
  findExecutable,
  host,
  isRunning,
  launchOnFreePorts,
  ProcessGroup,
  parseInfo,
  type RespReply,
  redisCommand,
  terminate,
  waitFor,
} from "./internal";

/** Where a server listens. */
export interface RedisNode {
  host: string;
  port: number;
}

export interface StartRedisClusterOptions {
  /** The redis-server executable (7.0 or later): a path, or a name looked up on PATH. Default: "redis-server". */
  binary?: string;
  /** Default: 3, the fewest a cluster can fail over with (a majority of masters must agree a master failed). */
  masters?: number;
  /** Replicas per master. Default: 1. Without replicas, a killed master's slots stay down. */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`: how long a node may not answer before it is flagged as failing. Redis' default is
   * 15 s; the harness uses 1 s, so a failover completes in a few seconds.
   */
  nodeTimeoutMs?: number;
  /** How long to wait for the whole cluster to be up (all slots served, replicas in sync). Default: 20 s. */
  readyTimeoutMs?: number;
  /** Where the temp dir is made. Default: the OS temp dir. */
  parentDir?: string;
}

/** A Redis Cluster this process started: every node on loopback ports of its own, in one temp dir. */
export interface RedisCluster {
  /** Every node, masters first: the startup nodes for a client (ioredis finds the rest itself). */
  readonly nodes: readonly RedisNode[];
  /** The nodes that started as masters. */
  readonly masters: readonly RedisNode[];
  /** The nodes' common parent directory, removed by `stop()`. */
  readonly dir: string;
  /** The master currently serving the key's slot (slot 0 without a key), as a live node sees it. */
  masterOf(key?: string): Promise<RedisNode>;
  /**
   * Crashes (SIGKILL) the master serving the key's slot (slot 0 without a key) and resolves the node it
   * killed. Its replica takes over after about `nodeTimeoutMs` plus an election (a couple of seconds).
   */
  killMaster(key?: string): Promise<RedisNode>;
  /** Stops every node (SIGTERM, then waits for them to exit) and removes the dir. Safe to call twice. */
  stop(): Promise<void>;
}

const slotCount = 16384;

/**
 * Starts a Redis Cluster of `masters` masters with `replicasPerMaster` replicas each, on free loopback ports
 * (each node's cluster bus on a free port too), persistence off, and resolves once every node reports
 * `cluster_state:ok`, every replica is in sync with its master, and every node agrees on who replicates whom.
 * It never connects to, flushes or stops any Redis it did not start; if the start fails, whatever was
 * started is stopped and the temp dir removed.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const binary = findExecutable(options.binary ?? "redis-server");
  const masterCount = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), "ironlink-redis-cluster-"));
  const group = new ProcessGroup(dir, () => rmSync(dir, { recursive: true, force: true }));

  try {
    const layout: ClusterLayout = { binary, dir, group, masterCount, replicasPerMaster, nodeTimeoutMs };
    const nodes = await launchClusterNodes(layout);
    const masters = nodes.slice(0, masterCount);
    const replicas = nodes.slice(masterCount);
    await formCluster(nodes, masters, replicas, readyTimeoutMs);
    await waitForClusterReady(nodes, masters, replicas, readyTimeoutMs);
    return clusterHandle(nodes, masters, dir, group);
  } catch (error) {
    await group.stop();
    throw error;
  }
}

/** A node the harness started, and which master it is (or replicates). */
type StartedNode = { port: number; busPort: number; child: ChildProcess; id: string; masterIndex: number };

/** What the nodes are launched with, and the group that stops them. */
interface ClusterLayout {
  binary: string;
  dir: string;
  group: ProcessGroup;
  masterCount: number;
  replicasPerMaster: number;
  nodeTimeoutMs: number;
}

/** Launches every node (masters first), each in its own dir with a cluster bus port; fails if any fails. */
async function launchClusterNodes(layout: ClusterLayout): Promise<StartedNode[]> {
  const { binary, dir, group, masterCount, replicasPerMaster, nodeTimeoutMs } = layout;
  const total = masterCount * (1 + replicasPerMaster);
  const launched = await Promise.allSettled(
    Array.from({ length: total }, async (_, i): Promise<StartedNode> => {
      const nodeDir = join(dir, `node-${i}`);
      mkdirSync(nodeDir);
      const { child, ports } = await launchOnFreePorts(
        binary,
        2,
        ([port, busPort]) => [
          ...baseArgs(port as number, nodeDir),
          "--cluster-enabled", "yes",
          "--cluster-config-file", "nodes.conf",
          "--cluster-port", String(busPort),
          "--cluster-node-timeout", String(nodeTimeoutMs),
          ...fastReplicationArgs,
        ],
        nodeDir,
        10_000,
      );
      group.add(child);
      const [port, busPort] = ports as [number, number];
      const id = String(await redisCommand(port, ["CLUSTER", "MYID"]));
      // Masters 0..m-1; then replica r of master k is node m + k * replicasPerMaster + r.
      const masterIndex = i < masterCount ? i : Math.floor((i - masterCount) / replicasPerMaster);
      return { port, busPort, child, id, masterIndex };
    }),
  );
  const failed = launched.find((result) => result.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return launched.map((result) => (result as PromiseFulfilledResult<StartedNode>).value);
}

/**
 * What `redis-cli --cluster create` does, without its fixed sleeps: slots and distinct epochs on the
 * masters, then everyone meets the first node, then replicas attach to their masters.
 */
async function formCluster(
  nodes: StartedNode[],
  masters: StartedNode[],
  replicas: StartedNode[],
  readyTimeoutMs: number,
): Promise<void> {
  const masterCount = masters.length;
  await Promise.all(
    masters.map(async (master, k) => {
      const from = Math.floor((k * slotCount) / masterCount);
      const to = Math.floor(((k + 1) * slotCount) / masterCount) - 1;
      await redisCommand(master.port, ["CLUSTER", "ADDSLOTSRANGE", from, to]);
      await redisCommand(master.port, ["CLUSTER", "SET-CONFIG-EPOCH", k + 1]);
    }),
  );
  const first = nodes[0] as StartedNode;
  await Promise.all(nodes.slice(1).map((node) => redisCommand(node.port, ["CLUSTER", "MEET", host, first.port, first.busPort])));
  await waitFor("every cluster node to know every other", readyTimeoutMs, async () => {
    const infos = await Promise.all(nodes.map((node) => redisCommand(node.port, ["CLUSTER", "INFO"])));
    return infos.every((info) => parseInfo(info).get("cluster_known_nodes") === String(nodes.length));
  });
  await Promise.all(
    replicas.map((replica) => redisCommand(replica.port, ["CLUSTER", "REPLICATE", (masters[replica.masterIndex] as StartedNode).id])),
  );
}

/** Waits for cluster_state:ok with every slot served, every node agreeing on the roles, and every replica in sync. */
async function waitForClusterReady(
  nodes: StartedNode[],
  masters: StartedNode[],
  replicas: StartedNode[],
  readyTimeoutMs: number,
): Promise<void> {
  await waitFor("the cluster to be ready (cluster_state:ok, replicas in sync)", readyTimeoutMs, async () => {
    for (const node of nodes) {
      const info = parseInfo(await redisCommand(node.port, ["CLUSTER", "INFO"]));
      if (info.get("cluster_state") !== "ok" || info.get("cluster_slots_ok") !== String(slotCount)) return false;
      // Every node must agree on the roles, or the masters would refuse to vote for a replica's promotion.
      const view = parseClusterNodes(await redisCommand(node.port, ["CLUSTER", "NODES"]));
      for (const replica of replicas) {
        if (view.get(replica.id)?.masterId !== (masters[replica.masterIndex] as StartedNode).id) return false;
      }
    }
    for (const replica of replicas) {
      const info = parseInfo(await redisCommand(replica.port, ["INFO", "replication"]));
      if (info.get("master_link_status") !== "up" || info.get("master_sync_in_progress") !== "0") return false;
    }
    return true;
  });
}

/** The handle over a ready cluster: who serves a key, crash that master, stop everything. */
function clusterHandle(nodes: StartedNode[], masters: StartedNode[], dir: string, group: ProcessGroup): RedisCluster {
  const live = () => nodes.filter((node) => isRunning(node.child));
  const slotOf = async (key: string | undefined): Promise<number> => {
    if (key === undefined) return 0;
    const answer = await askAnyNode(live(), ["CLUSTER", "KEYSLOT", key]);
    return Number(answer);
  };
  const masterOf = async (key?: string): Promise<RedisNode> => {
    const slot = await slotOf(key);
    const ranges = (await askAnyNode(live(), ["CLUSTER", "SLOTS"])) as RespReply[][];
    for (const range of ranges) {
      const [from, to, owner] = range as [number, number, [string, number, ...unknown[]]];
      if (from <= slot && slot <= to) return { host: owner[0], port: Number(owner[1]) };
    }
    throw new Error(`no node serves slot ${slot}`);
  };

  return {
    nodes: nodes.map(({ port }) => ({ host, port })),
    masters: masters.map(({ port }) => ({ host, port })),
    dir,
    masterOf,
    async killMaster(key) {
      if (group.stopped) throw new Error("this cluster was stopped");
      const target = await masterOf(key);
      const node = nodes.find((n) => n.port === target.port);
      if (!node) throw new Error(`the master on port ${target.port} is not one this harness started`);
      await terminate(node.child, "SIGKILL");
      return target;
    },
    stop: () => group.stop(),
  };
}

/** Asks the first node that answers (a killed node refuses the connection). */
async function askAnyNode(nodes: readonly { port: number }[], args: (string | number)[]): Promise<RespReply> {
  let lastError: unknown = new Error("no live cluster node");
  for (const node of nodes) {
    try {
      return await redisCommand(node.port, args, 1000);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** `CLUSTER NODES` → id → { flags, masterId }. */
function parseClusterNodes(reply: RespReply): Map<string, { flags: string[]; masterId: string | undefined }> {
  const view = new Map<string, { flags: string[]; masterId: string | undefined }>();
  if (typeof reply !== "string") return view;
  for (const line of reply.split("\n")) {
    const [id, , flags, masterId] = line.trim().split(" ");
    if (!id || !flags) continue;
    view.set(id, { flags: flags.split(","), masterId: masterId && masterId !== "-" ? masterId : undefined });
  }
  return view;
}
