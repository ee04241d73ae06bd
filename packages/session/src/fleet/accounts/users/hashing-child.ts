import { type ChildProcess, spawn } from "node:child_process";

/** The two lanes (hash-process.ts): each runs its hashes in a process of its own. */
export type LaneName = "background" | "fair";

/** A hashing process's answer to one hash. */
export interface Reply {
  id: number;
  key?: Uint8Array;
  error?: string;
}

/** 19: the lowest priority a process can give itself. */
const backgroundNice = 19;
/** An idle hashing process exits after this long, so a quiet server (or a dev server's reloaded module) keeps none. */
const idleExitMs = 60_000;

/**
 * A hashing process's code, inline so no bundler has to find a script file. The background one lowers its
 * priority before its thread pool starts (new threads inherit it): its autogroup's, its own, then its
 * scheduling class, each step best effort (not Linux, no chrt: the others still hold). It exits when the
 * server goes away.
 */
const lowerPriority = `
const { execFileSync } = require("node:child_process");
const { existsSync, writeFileSync } = require("node:fs");
try { writeFileSync("/proc/self/autogroup", "${backgroundNice}"); } catch {}
try { require("node:os").setPriority(${backgroundNice}); } catch {}
const chrt = ["/usr/bin/chrt", "/bin/chrt"].find((path) => existsSync(path));
try { if (chrt) execFileSync(chrt, ["--idle", "--all-tasks", "--pid", "0", String(process.pid)], { stdio: "ignore" }); } catch {}
`;
const hashingLoop = `
const { scrypt } = require("node:crypto");
process.on("disconnect", () => process.exit(0));
const reply = (message) => process.connected && process.send(message);
process.on("message", ({ id, password, salt, keyLength, options }) => {
  try {
    scrypt(password, salt, keyLength, options, (error, key) => reply(error ? { id, error: error.message } : { id, key }));
  } catch (error) {
    reply({ id, error: error.message }); // invalid parameters throw at once
  }
});
`;
const sources: Record<LaneName, string> = { background: lowerPriority + hashingLoop, fair: hashingLoop };

/** Starts a lane's hashing process, with a thread pool of `concurrency` (its hashes at once). */
export function spawnHashingChild(lane: LaneName, concurrency: number): ChildProcess {
  // The lane's name is an argument only so that ps (and the tests) can tell the processes apart.
  return spawn(process.execPath, ["-e", sources[lane], `ironlink-hashing-${lane}`], {
    // Its own session (so its own autogroup) and no inherited secrets or NODE_OPTIONS hooks: it only hashes.
    detached: true,
    env: { NODE_ENV: "production", UV_THREADPOOL_SIZE: String(concurrency) },
    serialization: "advanced",
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    windowsHide: true,
  });
}

/** A lane as keepAlive sees it: its process, whether it hashes, and the timer that ends it when idle. */
export interface ChildHolder {
  child?: ChildProcess;
  running: { readonly size: number };
  idleTimer?: ReturnType<typeof setTimeout>;
}

/** Hashes in flight keep the server process alive (a seeding script, a test); an idle child does not. */
export function keepAlive(lane: ChildHolder): void {
  clearTimeout(lane.idleTimer);
  const child = lane.child;
  if (!child) return;
  if (lane.running.size > 0) {
    child.ref();
    child.channel?.ref();
    return;
  }
  child.unref();
  child.channel?.unref();
  lane.idleTimer = setTimeout(() => child.connected && child.disconnect(), idleExitMs);
  lane.idleTimer.unref();
}
