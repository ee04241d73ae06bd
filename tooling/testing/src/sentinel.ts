import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RedisNode } from "./cluster";
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

export interface StartRedisSentinelOptions {
  /** The redis-server executable (run with `--sentinel` for the sentinels). Default: "redis-server". */
  binary?: string;
  /** The name the sentinels monitor the primary under. Default: "mymaster". */
  name?: string;
  /** Replicas of the primary. Default: 1 (a failover needs one). */
  replicas?: number;
  /** Sentinels. Default: 3, with a quorum of 2. */
  sentinels?: number;
  /** `sentinel down-after-milliseconds`. Default: 1000. */
  downAfterMs?: number;
  /** `sentinel failover-timeout`. Default: 3000. */
  failoverTimeoutMs?: number;
  /** How long to wait for the sentinels to know the primary, its replicas and each other. Default: 20 s. */
  readyTimeoutMs?: number;
  /** Where the temp dir is made. Default: the OS temp dir. */
  parentDir?: string;
}

/** A primary, its replicas and the sentinels watching them, all started by this process, in one temp dir. */
export interface RedisSentinel {
  /** The sentinels: what a client is given, with `name`. */
  readonly sentinels: readonly RedisNode[];
  /** The monitored primary's name ("mymaster"). */
  readonly name: string;
  /** The primary and replicas as started (the roles change after a failover). */
  readonly primaryAtStart: RedisNode;
  readonly replicasAtStart: readonly RedisNode[];
  /** The parent directory of every server's dir and of the sentinel config files, removed by `stop()`. */
  readonly dir: string;
  /** The current primary, as the first sentinel that answers reports it. */
  primary(): Promise<RedisNode>;
  /**
   * Crashes (SIGKILL) the current primary and resolves the node it killed. The sentinels promote a replica
   * after `downAfterMs` plus an election (a few seconds).
   */
  killPrimary(): Promise<RedisNode>;
  /** Stops every server and sentinel (SIGTERM, then waits for them to exit) and removes the dir. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a Sentinel deployment on free loopback ports, persistence off: one primary, `replicas` replicas
 * (`--replicaof`), and `sentinels` sentinels (`sentinel monitor <name> 127.0.0.1 <port> <quorum>`, config
 * files in the temp dir). Resolves once the replicas are in sync and every sentinel knows the primary, all
 * its replicas and all the other sentinels, so a failover can start at once. It never connects to or stops
 * any Redis it did not start; if the start fails, whatever was started is stopped and the temp dir removed.
 */
export async function startRedisSentinel(options: StartRedisSentinelOptions = {}): Promise<RedisSentinel> {
  const binary = findExecutable(options.binary ?? "redis-server");
  const sentinelCount = options.sentinels ?? 3;
  const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), "ironlink-redis-sentinel-"));
  const plan: SentinelPlan = {
    binary,
    name: options.name ?? "mymaster",
    replicaCount: options.replicas ?? 1,
    sentinelCount,
    quorum: Math.floor(sentinelCount / 2) + 1,
    downAfterMs: options.downAfterMs ?? 1000,
    failoverTimeoutMs: options.failoverTimeoutMs ?? 3000,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    dir,
    group: new ProcessGroup(dir, () => rmSync(dir, { recursive: true, force: true })),
  };

  try {
    const primary = await startServer(plan, "primary", []);
    const replicas = await settleAll(
      Array.from({ length: plan.replicaCount }, (_, i) => startServer(plan, `replica-${i}`, ["--replicaof", host, String(primary.port)])),
    );
    // In sync before the sentinels start: a sentinel learns the replicas from the primary's INFO, which it
    // reads at once and then only every 10 s.
    await waitForReplicasInSync(plan, primary, replicas);
    const sentinels = await settleAll(Array.from({ length: plan.sentinelCount }, (_, i) => startSentinel(plan, i, primary.port)));
    await waitForSentinelsReady(plan, sentinels);
    return sentinelHandle(plan, primary, replicas, sentinels);
  } catch (error) {
    await plan.group.stop();
    throw error;
  }
}

/** The deployment's settings, with its dir and the group that stops every process in it. */
interface SentinelPlan {
  binary: string;
  name: string;
  replicaCount: number;
  sentinelCount: number;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  readyTimeoutMs: number;
  dir: string;
  group: ProcessGroup;
}

/** A server or sentinel the harness started. */
type StartedProcess = { port: number; child: ChildProcess };

/** Starts a redis-server (primary or replica) in its own dir under the plan's dir. */
async function startServer(plan: SentinelPlan, label: string, extraArgs: string[]): Promise<StartedProcess> {
  const serverDir = join(plan.dir, label);
  mkdirSync(serverDir);
  const { child, ports } = await launchOnFreePorts(plan.binary, 1, ([port]) => [...baseArgs(port as number, serverDir), ...fastReplicationArgs, ...extraArgs], serverDir, 10_000);
  plan.group.add(child);
  return { port: ports[0] as number, child };
}

/** Like Promise.all, but every start settles before a failure is reported, so nothing is left running outside the group. */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** Waits until the primary counts every replica and each replica's link is up with no sync in progress. */
async function waitForReplicasInSync(plan: SentinelPlan, primary: StartedProcess, replicas: StartedProcess[]): Promise<void> {
  await waitFor("the replicas to sync with the primary", plan.readyTimeoutMs, async () => {
    const info = parseInfo(await redisCommand(primary.port, ["INFO", "replication"]));
    if (info.get("connected_slaves") !== String(plan.replicaCount)) return false;
    for (const replica of replicas) {
      const own = parseInfo(await redisCommand(replica.port, ["INFO", "replication"]));
      if (own.get("master_link_status") !== "up" || own.get("master_sync_in_progress") !== "0") return false;
    }
    return true;
  });
}

/** Starts sentinel number `index`, monitoring the primary on `primaryPort`. */
async function startSentinel(plan: SentinelPlan, index: number, primaryPort: number): Promise<StartedProcess> {
  const sentinelDir = join(plan.dir, `sentinel-${index}`);
  mkdirSync(sentinelDir);
  const config = join(sentinelDir, "sentinel.conf");
  const { child, ports } = await launchOnFreePorts(
    plan.binary,
    1,
    ([port]) => {
      // Sentinel rewrites its config file (its id, what it discovers), so each gets a fresh, writable one.
      writeFileSync(config, sentinelConfig(plan, port as number, sentinelDir, primaryPort));
      return [config, "--sentinel"];
    },
    sentinelDir,
    10_000,
  );
  plan.group.add(child);
  return { port: ports[0] as number, child };
}

/** A sentinel's config file: where it listens, and the primary it monitors with the plan's timings. */
function sentinelConfig(plan: SentinelPlan, port: number, sentinelDir: string, primaryPort: number): string {
  const { name } = plan;
  return [
    `bind ${host}`,
    `port ${port}`,
    `dir ${sentinelDir}`,
    "protected-mode yes",
    "loglevel warning",
    `sentinel monitor ${name} ${host} ${primaryPort} ${plan.quorum}`,
    `sentinel down-after-milliseconds ${name} ${plan.downAfterMs}`,
    `sentinel failover-timeout ${name} ${plan.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} 1`,
    "",
  ].join("\n");
}

/** Waits until every sentinel knows the primary, all its replicas (in sync) and all the other sentinels. */
async function waitForSentinelsReady(plan: SentinelPlan, sentinels: StartedProcess[]): Promise<void> {
  const { name } = plan;
  await waitFor("every sentinel to know the primary, its replicas and the other sentinels", plan.readyTimeoutMs, async () => {
    for (const sentinel of sentinels) {
      const master = pairs(await redisCommand(sentinel.port, ["SENTINEL", "MASTER", name]));
      if (master.get("num-slaves") !== String(plan.replicaCount)) return false;
      if (master.get("num-other-sentinels") !== String(plan.sentinelCount - 1)) return false;
      if (master.get("flags") !== "master") return false;
      const known = (await redisCommand(sentinel.port, ["SENTINEL", "REPLICAS", name])) as RespReply[];
      if (!known.every((replica) => pairs(replica).get("flags") === "slave" && pairs(replica).get("master-link-status") === "ok")) return false;
    }
    return true;
  });
}

/** The handle over a ready deployment: the current primary, crash it, stop everything. */
function sentinelHandle(
  plan: SentinelPlan,
  primary: StartedProcess,
  replicas: StartedProcess[],
  sentinels: StartedProcess[],
): RedisSentinel {
  const { name, group } = plan;
  const servers = [primary, ...replicas];
  const primaryNow = async (): Promise<RedisNode> => {
    let lastError: unknown = new Error("no live sentinel");
    for (const sentinel of sentinels.filter(({ child }) => isRunning(child))) {
      try {
        const [ip, port] = (await redisCommand(sentinel.port, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", name], 1000)) as [string, string];
        return { host: ip, port: Number(port) };
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };

  return {
    sentinels: sentinels.map(({ port }) => ({ host, port })),
    name,
    primaryAtStart: { host, port: primary.port },
    replicasAtStart: replicas.map(({ port }) => ({ host, port })),
    dir: plan.dir,
    primary: primaryNow,
    async killPrimary() {
      if (group.stopped) throw new Error("this sentinel deployment was stopped");
      const target = await primaryNow();
      const server = servers.find((s) => s.port === target.port);
      if (!server) throw new Error(`the primary on port ${target.port} is not one this harness started`);
      await terminate(server.child, "SIGKILL");
      return target;
    },
    stop: () => group.stop(),
  };
}

/** A flat [field, value, field, value...] reply as a map. */
function pairs(reply: RespReply): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}
