import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { appEnvironment } from "./env";

/**
 * A fleet of its own for a spec that breaks things (faults.spec.ts): a Redis with append-only persistence
 * in a temporary directory, like docker-compose.yml's, and both apps under `next start` (the build the
 * suite already made), on free ports of 127.0.0.1. Separate from the config's fleet, which other tests
 * use at the same time. Every process is started in its own process group and ended with it; a safety
 * net kills whatever is left when the worker exits, and `stop()` removes the directory.
 */

const repoRoot = path.resolve(__dirname, "../..");

/** Process groups this worker started and has not seen end: killed on exit, whatever happened. */
const liveGroups = new Set<number>();
let safetyNetInstalled = false;
function installSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  process.on("exit", () => {
    for (const pid of liveGroups) signalGroup(pid, "SIGKILL");
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** A child process in its own process group, with its output kept for the test to read. */
export class ManagedProcess {
  readonly child: ChildProcess;
  /** stdout and stderr, interleaved as they came. */
  output = "";
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #exited: Promise<void>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    installSafetyNet();
    this.child = spawn(command, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const pid = this.child.pid;
    if (pid === undefined) throw new Error(`${name}: could not start ${command}`);
    liveGroups.add(pid);
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.#exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        // The group may outlive its leader (npx → next): it is ended in stop(), and by the safety net.
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends `signal` to the whole process group. */
  signal(signal: NodeJS.Signals): void {
    if (this.child.pid !== undefined) signalGroup(this.child.pid, signal);
  }

  /** Waits up to `ms` for the process to exit; true if it did. */
  async waitForExit(ms: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.#exited.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; then the group is forgotten. */
  async stop(graceMs = 5_000): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    if (this.running) {
      this.signal("SIGTERM");
      if (!(await this.waitForExit(graceMs))) this.signal("SIGKILL");
      await this.waitForExit(graceMs);
    }
    // Anything left in the group (a grandchild) goes too.
    signalGroup(pid, "SIGKILL");
    liveGroups.delete(pid);
  }
}

/** Free TCP ports on 127.0.0.1, distinct from each other. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.on("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** One PING over RESP: "+PONG" once Redis serves commands ("-LOADING …" while it replays its AOF). */
export function redisPing(port: number, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (answer: string) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done("timeout"));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) done(reply.trim());
    });
    socket.on("error", (error) => done(`error: ${error.message}`));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PrivateFleet {
  redis: ManagedProcess | undefined;
  /** Every Redis this fleet started, the killed ones included: their output is part of the record. */
  readonly redisRuns: ManagedProcess[] = [];
  readonly apps: { name: "one" | "two"; origin: string; process: ManagedProcess }[] = [];

  private constructor(
    /** Redis's working directory: its append-only files live here, across restarts. */
    readonly dir: string,
    readonly ports: { redis: number; appOne: number; appTwo: number },
  ) {}

  /** `env` overrides the fleet's pinned environment; `apps` picks which apps start (both by default). */
  static async start({ env: overrides = {}, apps = ["one", "two"] }: { env?: Record<string, string>; apps?: ("one" | "two")[] } = {}): Promise<PrivateFleet> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ironlink-e2e-faults-"));
    const [redis, appOne, appTwo] = (await freePorts(3)) as [number, number, number];
    const fleet = new PrivateFleet(dir, { redis, appOne, appTwo });
    try {
      await fleet.startRedis();
      const env = {
        ...process.env,
        // `next start` is production whatever the shell says.
        NODE_ENV: undefined,
        ...appEnvironment({ redisUrl: `redis://127.0.0.1:${redis}`, appOnePort: appOne, appTwoPort: appTwo }),
        ...overrides,
      };
      for (const name of apps) {
        const port = name === "one" ? appOne : appTwo;
        // As `npm start` runs them: Next's handler behind ironlink-next, which takes the client's address.
        const app = new ManagedProcess(`app-${name}`, "npx", ["ironlink-next", "start", "--port", String(port), "--hostname", "127.0.0.1"], {
          cwd: path.join(repoRoot, "apps", name),
          env,
        });
        fleet.apps.push({ name, origin: `http://127.0.0.1:${port}`, process: app });
      }
      await Promise.all(fleet.apps.map((app) => waitForHealth(app.origin, app.process)));
      return fleet;
    } catch (error) {
      await fleet.stop();
      throw error;
    }
  }

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.ports.redis}`;
  }

  /** Starts Redis on the fleet's port and directory (replaying its AOF, if any) and waits for PONG. */
  async startRedis(timeoutMs = 20_000): Promise<ManagedProcess> {
    const redis = new ManagedProcess(
      "redis",
      "redis-server",
      ["--port", String(this.ports.redis), "--bind", "127.0.0.1", "--appendonly", "yes", "--dir", this.dir],
      { cwd: this.dir },
    );
    this.redis = redis;
    this.redisRuns.push(redis);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!redis.running) throw new Error(`redis-server exited (${JSON.stringify(redis.exit)}):\n${redis.output}`);
      if ((await redisPing(this.ports.redis, 500)) === "+PONG") return redis;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING within ${timeoutMs} ms:\n${redis.output}`);
      await sleep(50);
    }
  }

  /** SIGKILL: no shutdown, no final save. Resolves once the process is gone (its port is free again). */
  async killRedis(): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    redis.signal("SIGKILL");
    await redis.waitForExit(5_000);
    await redis.stop();
    this.redis = undefined;
  }

  /** Ends every process and removes the directory; safe to call twice, and after a failed start. */
  async stop(): Promise<void> {
    await Promise.all([...this.apps.map((app) => app.process.stop()), ...this.redisRuns.map((redis) => redis.stop())]);
    this.redis = undefined;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

async function waitForHealth(origin: string, app: ManagedProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!app.running) throw new Error(`${app.name} exited (${JSON.stringify(app.exit)}):\n${app.output}`);
    try {
      const response = await fetch(`${origin}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${app.name} did not answer /api/health within ${timeoutMs} ms:\n${app.output}`);
    await sleep(100);
  }
}
