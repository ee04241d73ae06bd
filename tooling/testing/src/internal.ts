// What the harness's launchers share: finding redis-server, picking ports, spawning and stopping servers,
// and a minimal RESP client, so the harness needs no Redis client library.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createConnection, createServer } from "node:net";
import { delimiter, join } from "node:path";

export const host = "127.0.0.1";
const notFoundMessage = "redis-server not found: apt-get install -y redis-server";

export class RedisNotFoundError extends Error {
  constructor(detail?: string) {
    super(detail ? `${notFoundMessage} (${detail})` : notFoundMessage);
    this.name = "RedisNotFoundError";
  }
}

export function findExecutable(binary: string): string {
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
export function freePort(): Promise<number> {
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

/** The options every server the harness starts gets: loopback only, nothing persisted, quiet. */
export function baseArgs(port: number, dir: string): string[] {
  return [
    "--bind", host,
    "--port", String(port),
    "--dir", dir,
    "--save", "",
    "--appendonly", "no",
    "--daemonize", "no",
    "--protected-mode", "yes",
    "--loglevel", "warning",
  ];
}

/**
 * For servers with replicas: a replica's full sync starts at once instead of after Redis' default 5 s wait
 * for more replicas to join the same diskless transfer.
 */
export const fastReplicationArgs = ["--repl-diskless-sync-delay", "0"];

/**
 * Spawns redis-server with `args` and resolves once that very process (checked by pid) answers on the port.
 * Never touches a Redis it did not start: if another one answers on the port, ours is killed and this throws.
 */
export async function launch(binary: string, args: string[], port: number, dir: string, readyTimeoutMs: number): Promise<ChildProcess> {
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

/**
 * Launches a server on fresh free ports, up to 5 times (another process may take a port between the probe
 * and the bind). `ports` says how many ports the server needs (a cluster node also needs its bus port).
 */
export async function launchOnFreePorts(
  binary: string,
  portCount: number,
  argsFor: (ports: number[]) => string[],
  dir: string,
  readyTimeoutMs: number,
): Promise<{ child: ChildProcess; ports: number[] }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const ports: number[] = [];
    while (ports.length < portCount) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    try {
      return { child: await launch(binary, argsFor(ports), ports[0] as number, dir, readyTimeoutMs), ports };
    } catch (error) {
      lastError = error;
      if (error instanceof RedisNotFoundError) throw error;
    }
  }
  throw new Error(`could not start redis-server after 5 attempts: ${describe(lastError)}`, { cause: lastError });
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Sends the signal and waits for the process to exit; escalates to SIGKILL after 5 s. */
export function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
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

/** The pid of the Redis answering on the port (from `INFO server`), or undefined if it is not ready. */
async function serverPid(port: number): Promise<number | undefined> {
  let info: RespReply;
  try {
    info = await redisCommand(port, ["INFO", "server"], 500);
  } catch (error) {
    if (error instanceof RedisReplyError) return undefined; // e.g. -LOADING: not ready yet
    throw error;
  }
  const match = typeof info === "string" ? /^process_id:(\d+)\r?$/m.exec(info) : null;
  return match ? Number(match[1]) : undefined;
}

export type RespReply = string | number | null | RespReply[];

/** An error reply (`-ERR ...`) from the server. */
export class RedisReplyError extends Error {
  override readonly name = "RedisReplyError";
}

/**
 * Sends one command to the Redis on `port` (loopback) over a connection of its own and resolves its reply.
 * Enough RESP2 for the harness: simple strings, errors, integers, bulk strings and arrays.
 */
export function redisCommand(port: number, args: (string | number)[], timeoutMs = 2000): Promise<RespReply> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let buffer = Buffer.alloc(0);
    let settled = false;
    const done = (error: Error | undefined, reply?: RespReply) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(reply as RespReply);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no reply to ${String(args[0])} from port ${port} within ${timeoutMs} ms`)));
    socket.once("error", (error) => done(error));
    socket.once("close", () => done(new Error(`port ${port} closed the connection before replying to ${String(args[0])}`)));
    socket.once("connect", () => {
      const parts = [`*${args.length}\r\n`];
      for (const arg of args) parts.push(`$${Buffer.byteLength(String(arg))}\r\n${String(arg)}\r\n`);
      socket.write(parts.join(""));
    });
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      let parsed: { value: RespReply | RedisReplyError; end: number } | undefined;
      try {
        parsed = parseReply(buffer, 0);
      } catch (error) {
        return done(error as Error);
      }
      if (!parsed) return;
      if (parsed.value instanceof RedisReplyError) done(parsed.value);
      else done(undefined, parsed.value);
    });
  });
}

/** One reply from `offset`, or undefined if the buffer does not hold all of it yet. */
function parseReply(buffer: Buffer, offset: number): { value: RespReply | RedisReplyError; end: number } | undefined {
  const lineEnd = buffer.indexOf("\r\n", offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] as number);
  const line = buffer.toString("utf8", offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return { value: line, end: next };
    case "-":
      return { value: new RedisReplyError(line), end: next };
    case ":":
      return { value: Number(line), end: next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString("utf8", next, next + length), end: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespReply[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, end);
        if (!item) return undefined;
        if (item.value instanceof RedisReplyError) return item; // an error inside an array: report it
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}

/** `field:value` lines of INFO or CLUSTER INFO, as a map. */
export function parseInfo(reply: RespReply): Map<string, string> {
  const fields = new Map<string, string>();
  if (typeof reply !== "string") return fields;
  for (const line of reply.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Polls `check` until it resolves true, or throws with `what` (and the last error) after `timeoutMs`. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${describe(lastError)})` : ""}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A set of processes and one temp dir that are cleaned up together: on `stop()`, on a failed start, and
 * (SIGKILL, synchronously) when the test process exits without stopping them.
 */
export class ProcessGroup {
  readonly children: ChildProcess[] = [];
  #stopped = false;
  readonly #onExit = () => {
    for (const child of this.children) if (isRunning(child)) child.kill("SIGKILL");
    this.removeDir();
  };

  constructor(
    readonly dir: string,
    private readonly removeDir: () => void,
  ) {
    process.once("exit", this.#onExit);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  add(child: ChildProcess): ChildProcess {
    this.children.push(child);
    return child;
  }

  /** Stops every process (SIGTERM, then waits), removes the dir. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    process.removeListener("exit", this.#onExit);
    try {
      await Promise.all(this.children.map((child) => terminate(child, "SIGTERM")));
    } finally {
      this.removeDir();
    }
  }
}
