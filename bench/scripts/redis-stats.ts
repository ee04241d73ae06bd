/** What Redis itself says: command counts (INFO commandstats), memory, and an exact per-request trace (MONITOR). */
import { Redis } from "ioredis";

export type CommandCounts = Map<string, number>;

export async function commandStats(client: Redis): Promise<CommandCounts> {
  return parseCommandStats(await client.info("commandstats"));
}

function parseCommandStats(info: string): CommandCounts {
  const counts: CommandCounts = new Map();
  for (const line of info.split("\n")) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) counts.set(match[1] as string, Number(match[2]));
  }
  return counts;
}

export interface RedisSample {
  commands: CommandCounts;
  /** used_cpu_user + used_cpu_sys: seconds, to the microsecond (finer than /proc's clock ticks). */
  cpuSeconds: number;
}

/** Command counts and CPU time from one INFO call (so commandDelta's one `info` is the right one to leave out). */
export async function redisSample(client: Redis): Promise<RedisSample> {
  const info = await client.info("all");
  const field = (name: string) => Number(new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]);
  return { commands: parseCommandStats(info), cpuSeconds: field("used_cpu_user") + field("used_cpu_sys") };
}

/** Commands run between two snapshots, without the INFO calls that took them. */
export function commandDelta(before: CommandCounts, after: CommandCounts): CommandCounts {
  const delta: CommandCounts = new Map();
  for (const [name, calls] of after) {
    const d = calls - (before.get(name) ?? 0) - (name === "info" ? 1 : 0);
    if (d > 0) delta.set(name, d);
  }
  return delta;
}

export function total(counts: CommandCounts): number {
  let sum = 0;
  for (const calls of counts.values()) sum += calls;
  return sum;
}

export function describeCounts(counts: CommandCounts, per: number): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, calls]) => `${name} ${(calls / per).toFixed(3)}`)
    .join(", ");
}

export async function infoField(client: Redis, section: string, field: string): Promise<string> {
  const match = new RegExp(`^${field}:(.*)$`, "m").exec(await client.info(section));
  return match ? (match[1] as string).trim() : "";
}

/**
 * Every command Redis runs while `action` runs, split into those a client sent (what a request costs in
 * round trips) and those a Lua script ran inside one of them. MONITOR slows Redis down: only for short,
 * sequential samples, never during a timed turn.
 */
export async function traceCommands(url: string, action: () => Promise<void>): Promise<{ client: CommandCounts; lua: CommandCounts }> {
  // A marker command from a client of our own shows when the monitor is live (and which source to ignore).
  const marker = new Redis(url);
  await marker.ping();
  const monitorClient = new Redis(url, { lazyConnect: true });
  const monitor = await monitorClient.monitor();
  const client: CommandCounts = new Map();
  const lua: CommandCounts = new Map();
  const ownAddresses = new Set<string>();
  const count = (_time: string, args: string[], source: string) => {
    const name = String(args[0]).toLowerCase();
    if (ownAddresses.has(source) || name === "monitor" || name === "echo") return;
    const counts = source === "lua" ? lua : client;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  monitor.on("monitor", count);
  try {
    await new Promise<void>((resolve) => {
      const onMarker = (_time: string, args: string[], source: string) => {
        if (String(args[0]).toLowerCase() === "echo" && args[1] === "bench-trace-start") {
          ownAddresses.add(source);
          monitor.off("monitor", onMarker);
          resolve();
        }
      };
      monitor.on("monitor", onMarker);
      void marker.echo("bench-trace-start");
    });
    await action();
    await new Promise((r) => setTimeout(r, 200));
    // Counting stops here: the monitor's connection closes a moment later, and the bench's next command
    // (minting the next part's sessions) must not land in these counts.
    monitor.off("monitor", count);
    return { client, lua };
  } finally {
    monitor.disconnect();
    monitorClient.disconnect();
    marker.disconnect();
  }
}
