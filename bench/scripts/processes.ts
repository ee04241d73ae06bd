/**
 * The processes the bench starts, and their end: every one is stopped on success, failure, Ctrl-C or
 * SIGTERM. Next runs in a process group of its own, so stopping it stops whatever it spawned.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

type Cleanup = () => unknown;
const cleanups: Cleanup[] = [];
const groups = new Set<number>();

/** Registers a cleanup step; they run last-registered first. */
export function onCleanup(step: Cleanup): void {
  cleanups.push(step);
}

let cleaning: Promise<void> | undefined;
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop() as Cleanup;
      try {
        await step();
      } catch (error) {
        console.error("bench: cleanup step failed:", error);
      }
    }
  })();
  return cleaning;
}

let interruptedBy: NodeJS.Signals | undefined;
/** The signal that interrupted the run, if one did: what fails after it is a consequence, not news. */
export function interrupted(): NodeJS.Signals | undefined {
  return interruptedBy;
}

/** Ctrl-C, SIGTERM and crashes clean up too; a last synchronous kill covers anything left at exit. */
export function installSignalHandlers(): void {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    process.once(signal, () => {
      interruptedBy = signal;
      process.exitCode = code;
      console.error(`\nbench: ${signal}, stopping everything it started…`);
      void cleanup().finally(() => process.exit(code));
    });
  }
  process.on("exit", () => {
    for (const pgid of groups) killGroup(pgid, "SIGKILL");
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // gone already
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface Managed {
  child: ChildProcess;
  /** The last few kB of its output, for error messages. */
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Spawns a command in a process group of its own, registered for cleanup. */
export function spawnManaged(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; echo?: boolean }): Managed {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const pgid = child.pid as number;
  groups.add(pgid);
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      output = (output + chunk).slice(-8000);
      if (options.echo) process.stderr.write(chunk);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.once("error", (error) => {
    output += `\n${error.message}`;
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (groupAlive(pgid)) {
        killGroup(pgid, "SIGTERM");
        const deadline = Date.now() + 5000;
        while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        if (groupAlive(pgid)) killGroup(pgid, "SIGKILL");
      }
      groups.delete(pgid);
    })();
    return stopping;
  };
  onCleanup(stop);
  return { child, output: () => output, exited, stop };
}

/** Runs a command to completion; rejects with its output if it fails. */
export async function runToCompletion(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<string> {
  const managed = spawnManaged(command, args, options);
  const code = await managed.exited;
  await managed.stop();
  if (code !== 0) throw new Error(`${[command, ...args].join(" ")} exited with ${code}:\n${managed.output()}`);
  return managed.output();
}

/** A port the OS just handed out on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}

/** Polls `url` until it answers 2xx (or `readyStatus`, for a route that has no 2xx without a session), or fails with the server's output. */
export async function waitForHttp(url: string, server: Managed, timeoutMs = 60_000, readyStatus?: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void server.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the server exited (${exitCode}) before answering:\n${server.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (readyStatus === undefined ? response.ok : response.status === readyStatus) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${server.output()}`);
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc; NaN where there is no /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command name: state is field 3, utime field 14, stime field 15 (1-based in proc(5)).
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds of a process and its children together (the hashing processes of a Next server run in
 * sessions of their own, so its process group does not hold them); NaN where there is no /proc.
 */
export function cpuSecondsWithChildren(pid: number): number {
  // A child that exits between the listing and the read counts for nothing.
  return childPids(pid).reduce((sum, child) => sum + (cpuSeconds(child) || 0), cpuSeconds(pid));
}

function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

const clockTicks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Nanoseconds a thread has spent waiting on a CPU run queue (runnable, not running), from
 * /proc/<pid>/task/<tid>/schedstat; NaN where there is none. Node's event loop thread has tid = pid.
 */
export function runQueueWaitNs(pid: number, tid = pid): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[1]);
  } catch {
    return Number.NaN;
  }
}
