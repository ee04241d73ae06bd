import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baseArgs, describe, findExecutable, freePort, host, isRunning, launch, RedisNotFoundError, terminate } from "./internal";

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
  const { child, port } = await launchOnAFreePort(binary, dir, readyTimeoutMs);
  return controlledServer({ binary, dir, readyTimeoutMs, child, port });
}

/** Launches redis-server on a free port, trying up to 5 ports (another process may take one first); removes the dir if all fail. */
async function launchOnAFreePort(binary: string, dir: string, readyTimeoutMs: number): Promise<{ child: ChildProcess; port: number }> {
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError: unknown;
  try {
    for (let attempt = 0; attempt < 5 && !child; attempt++) {
      port = await freePort();
      try {
        child = await launch(binary, baseArgs(port, dir), port, dir, readyTimeoutMs);
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
  return { child, port };
}

/** The handle over a started server: kill, restart on the same port and dir, stop; killed with the process if not stopped. */
function controlledServer(started: {
  binary: string;
  dir: string;
  readyTimeoutMs: number;
  child: ChildProcess;
  port: number;
}): RedisServer {
  const { binary, dir, readyTimeoutMs, port } = started;
  let child: ChildProcess | undefined = started.child;
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
      child = await launch(binary, baseArgs(port, dir), port, dir, readyTimeoutMs);
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
