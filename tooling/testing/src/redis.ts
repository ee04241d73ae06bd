import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const host = "127.0.0.1";
const notFoundMessage = "redis-server not found: apt-get install -y redis-server";

export interface StartRedisOptions {
  /** The redis-server executable: a path, or a name looked up on PATH. Default: "redis-server". */
  binary?: string;
  /** How long to wait for the server to answer, per attempt. Default: 10 s. */
  readyTimeoutMs?: number;
}

/** A redis-server this process started, on a loopback port of its own, in a temp dir of its own. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The server's working directory, removed by `stop()`. */
  readonly dir: string;
  /** Whether the server process is up (false after `kill()` until `restart()`, and after `stop()`). */
  readonly running: boolean;
  /**
   * Takes the server down without cleaning up, to test what clients do when Redis goes away
   * (SIGKILL by default: a crash). The port and dir are kept, so `restart()` can bring it back.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port, after `kill()`. It comes back empty: nothing is persisted. */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM, then waits for it to exit) and removes its dir. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a private redis-server on a free loopback port, with persistence off, and resolves once it
 * answers. It never connects to, flushes or stops any Redis it did not start.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const binary = findExecutable(options.binary ?? "redis-server");
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), "ironlink-redis-"));

  let child: ChildProcess | undefined;
  let port = 0;
  let lastError: unknown;
  try {
    for (let attempt = 0; attempt < 5 && !child; attempt++) {
      port = await freePort();
      try {
        child = await launch(binary, port, dir, readyTimeoutMs);
      } catch (error) {
        lastError = error;
        if (error instanceof RedisNotFoundError) throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start redis-server after 5 attempts: ${describe(lastError)}`, { cause: lastError });
  }

  let stopped = false;
  const killOnExit = () => {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);

  const server: RedisServer = {
    url: `redis://${host}:${port}`,
    host,
    port,
    dir,
    get running() {
      return !stopped && child !== undefined && isRunning(child);
    },
    async kill(signal = "SIGKILL") {
      if (child) await terminate(child, signal);
    },
    async restart() {
      if (stopped) throw new Error("this redis-server was stopped; start a new one with startRedis()");
      if (child && isRunning(child)) throw new Error("redis-server is still running; kill() it first");
      child = await launch(binary, port, dir, readyTimeoutMs);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", killOnExit);
      try {
        if (child) await terminate(child, "SIGTERM");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return server;
}

class RedisNotFoundError extends Error {
  constructor(detail?: string) {
    super(detail ? `${notFoundMessage} (${detail})` : notFoundMessage);
    this.name = "RedisNotFoundError";
  }
}

function findExecutable(binary: string): string {
  const candidates = binary.includes("/")
    ? [binary]
    : (process.env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, binary));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new RedisNotFoundError(binary.includes("/") ? `no executable at ${binary}` : undefined);
}

/** A port the OS just handed out on loopback. Another process may still take it first: callers retry. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close((error) => (error ? reject(error) : port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** Spawns redis-server and resolves once that very process (checked by pid) answers on the port. */
async function launch(binary: string, port: number, dir: string, readyTimeoutMs: number): Promise<ChildProcess> {
  const args = [
    "--bind", host,
    "--port", String(port),
    "--dir", dir,
    "--save", "",
    "--appendonly", "no",
    "--daemonize", "no",
    "--protected-mode", "yes",
    "--loglevel", "warning",
  ];
  const child = spawn(binary, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  // Neither the server nor its pipes keep the test process alive; `stop()` or the exit hook ends it.
  child.unref();
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      output = (output + chunk).slice(-4000);
    });
  }
  let spawnError: NodeJS.ErrnoException | undefined;
  child.once("error", (error: NodeJS.ErrnoException) => {
    spawnError = error;
  });

  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (spawnError) {
      if (spawnError.code === "ENOENT" || spawnError.code === "EACCES") throw new RedisNotFoundError(spawnError.message);
      throw spawnError;
    }
    if (!isRunning(child)) {
      throw new Error(`redis-server exited (code ${child.exitCode}, signal ${child.signalCode}) on port ${port}: ${output.trim()}`);
    }
    const pid = await serverPid(port).catch(() => undefined);
    if (pid !== undefined && pid === child.pid) return child;
    if (pid !== undefined) {
      // Something else answers on this port: ours will fail to bind. Leave the other server alone.
      await terminate(child, "SIGKILL");
      throw new Error(`port ${port} is taken by another Redis (pid ${pid})`);
    }
    await sleep(20);
  }
  await terminate(child, "SIGKILL");
  throw new Error(`redis-server did not answer on port ${port} within ${readyTimeoutMs} ms: ${output.trim()}`);
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Sends the signal and waits for the process to exit; escalates to SIGKILL after 5 s. */
function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (!isRunning(child) || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const escalate = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(escalate);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * The pid of the Redis answering on the port (from `INFO server`), or undefined if it is not ready.
 * Speaks just enough RESP for that, so the harness needs no Redis client.
 */
function serverPid(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let buffer = "";
    const done = (error: Error | undefined, pid?: number) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(pid);
    };
    socket.setTimeout(500, () => done(new Error("timeout")));
    socket.once("error", (error) => done(error));
    socket.once("connect", () => socket.write("INFO server\r\n"));
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      const headerEnd = buffer.indexOf("\r\n");
      if (headerEnd === -1) return;
      const header = buffer.slice(0, headerEnd);
      if (!header.startsWith("$")) return done(undefined, undefined); // e.g. -LOADING: not ready yet
      const length = Number(header.slice(1));
      const body = buffer.slice(headerEnd + 2);
      if (Buffer.byteLength(body) < length) return;
      const match = /^process_id:(\d+)\r?$/m.exec(body);
      done(undefined, match ? Number(match[1]) : undefined);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
