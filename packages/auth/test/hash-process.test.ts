import { scryptSync } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { scryptInBackground } from "../src/users/hash-process";
import { hashPassword, verifyPassword } from "../src/users/password-hash";

const params = { N: 2 ** 15, r: 8, p: 1 };
const salt = Buffer.from("0123456789abcdef");

/** This process's children that run the inline hashing script, with what /proc says of them (Linux). */
function hashingChildren(): Array<{ pid: number; nice: number; policy: number; session: number; autogroup?: string }> {
  const children = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from "state" (3rd in proc(5)) on
      if (Number(fields[1]) !== process.pid) continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes("-e")) continue;
      let autogroup: string | undefined;
      try {
        autogroup = readFileSync(`/proc/${entry}/autogroup`, "utf8").trim();
      } catch {
        // a kernel without autogroups
      }
      children.push({ pid: Number(entry), nice: Number(fields[16]), policy: Number(fields[38]), session: Number(fields[3]), autogroup });
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

const SCHED_IDLE = 5;
const hasChrt = ["/usr/bin/chrt", "/bin/chrt"].some((path) => existsSync(path));
const ownSession = () => Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ")[3]);

describe("password hashing process", () => {
  it("gives the same key as node:crypto's scrypt", async () => {
    const key = await scryptInBackground("correct horse", salt, 32, params);
    expect(key).toEqual(scryptSync("correct horse", salt, 32, { ...params, maxmem: 64 * 1024 * 1024 }));
  });

  it("spends none of the server process's own CPU on hashing", async () => {
    await hashPassword("warm-up-password"); // the hashing process is running from here on
    const before = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: 4 }, (_, i) => hashPassword(`password-${i}`)));
    const wall = performance.now() - started;
    const used = process.cpuUsage(before);
    // Four scrypts of ~100 ms CPU each; in this process (libuv's pool or a worker thread) all of it would
    // show in cpuUsage. What is left is the messages to and from the hashing process.
    expect(wall).toBeGreaterThan(100);
    expect((used.user + used.system) / 1000).toBeLessThan(wall / 4);
  });

  it.runIf(process.platform === "linux")("hashes in a child process of its own session: SCHED_IDLE, nice 19, autogroup niced too", async () => {
    const pending = hashPassword("a-password-in-flight");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const children = hashingChildren();
    await pending;
    expect(children).toHaveLength(1);
    const [child] = children;
    expect(child?.nice).toBe(19);
    if (hasChrt) expect(child?.policy).toBe(SCHED_IDLE);
    expect(child?.session).not.toBe(ownSession());
    if (child?.autogroup !== undefined) expect(child.autogroup).toMatch(/ nice 19$/);
  });

  it("rejects impossible parameters with a clear error and keeps hashing afterwards", async () => {
    await expect(scryptInBackground("x", salt, 32, { N: 3, r: 8, p: 1 })).rejects.toThrow(/scrypt failed: Invalid scrypt params/);
    expect(await verifyPassword("x-password", await hashPassword("x-password"))).toBe(true);
  });

  it("treats a stored hash with unusable parameters as a wrong password", async () => {
    const good = await hashPassword("some-password");
    const [, , r, p, s, h] = good.split("$");
    for (const n of ["abc", "0", "3", "-2", "1e400"]) {
      expect(await verifyPassword("some-password", ["scrypt", n, r, p, s, h].join("$"))).toBe(false);
    }
  });

  it.runIf(process.platform === "linux")("re-runs a hash once on a new process when its process dies mid-hash", async () => {
    await hashPassword("warm-up-password");
    const stored = await hashPassword("killed-mid-hash");
    const inFlight = verifyPassword("killed-mid-hash", stored);
    const killed = await killHashingProcess();
    expect(await inFlight).toBe(true);
    expect(hashingChildren().map((c) => c.pid)).not.toContain(killed);
  });

  it.runIf(process.platform === "linux")("fails a hash whose process dies twice, and hashes again afterwards", async () => {
    await hashPassword("warm-up-password");
    const inFlight = hashPassword("killed-twice");
    inFlight.catch(() => {}); // asserted below, after the second kill
    const first = await killHashingProcess();
    await killHashingProcess(first);
    await expect(inFlight).rejects.toThrow(/password hashing process exited \(SIGKILL\)/);
    const hash = await hashPassword("after-the-crashes");
    expect(await verifyPassword("after-the-crashes", hash)).toBe(true);
  });
});

/** SIGKILLs the hashing process (waiting for one other than `previous` to be up); returns its pid. */
async function killHashingProcess(previous?: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const child = hashingChildren().find((c) => c.pid !== previous);
    if (child) {
      process.kill(child.pid, "SIGKILL");
      return child.pid;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("no hashing process to kill");
}
