import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileUserRecords } from "../src/fleet/accounts/storage/file-storage";
import { HashingBusyError, hashPassword, UserStore, verifyPassword } from "../src/fleet/accounts/users";
import { maxHashesPerAccount } from "../src/fleet/accounts/users/hash-process";
import { accountStorages } from "./storages";

describe.each(accountStorages())("UserStore ($kind)", ({ users: records }) => {
  const raw = records();
  const users = new UserStore(raw);

  it("creates a user and verifies the password, case-insensitively on the name", async () => {
    const created = await users.create("Alice", "correct horse battery");
    expect(created).toEqual({ ok: true, user: { id: "alice", username: "Alice" } });
    expect(await users.verify("ALICE", "correct horse battery")).toEqual({ id: "alice", username: "Alice" });
    expect(await users.verify("alice", "wrong horse battery")).toBeNull();
    expect(await users.verify("nobody", "correct horse battery")).toBeNull();
  });

  it("stores only a scrypt hash, never the password", async () => {
    await users.create("bob", "s3cret-Passw0rd");
    const record = await raw.get("bob");
    expect(record).not.toBeNull();
    expect(record).not.toContain("s3cret-Passw0rd");
    expect(JSON.parse(record!).passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  });

  it("lets exactly one of many concurrent registrations of a name win", async () => {
    const count = Math.max(5, maxHashesPerAccount + 1);
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => users.create(i % 2 ? "Carol" : "carol", `password-${i}-long`).catch((error: Error) => error)),
    );
    expect(results.filter((r) => !(r instanceof Error) && r.ok)).toHaveLength(1);
    expect(results.filter((r) => !(r instanceof Error) && !r.ok)).toEqual(Array(maxHashesPerAccount - 1).fill({ ok: false, reason: "taken" }));
    // Beyond what one account may hash at once, refused before any hashing (fair-queue.ts).
    expect(results.filter((r) => r instanceof HashingBusyError)).toHaveLength(count - maxHashesPerAccount);
  });

  it("treats a corrupt record as no user", async () => {
    await raw.create("mallory", "{not json");
    expect(await users.verify("mallory", "whatever-password")).toBeNull();
  });

  it("changes a password: the old one stops working, the new one works", async () => {
    await users.create("gwen", "first-password");
    expect(await users.changePassword("gwen", "second-password")).toBe(true);
    expect(await users.verify("gwen", "first-password")).toBeNull();
    expect(await users.verify("gwen", "second-password")).toEqual({ id: "gwen", username: "gwen" });
    expect(await users.changePassword("nobody-here", "x-password")).toBe(false);
  });

  it("removes a password: no password signs in, the record still reads (null hash); a new one can be set", async () => {
    await users.create("hana", "first-password");
    expect(await users.hasPassword("hana")).toBe(true);
    const removal = await users.removePassword("hana");
    expect(removal).toBeDefined();
    expect(JSON.parse((await raw.get("hana"))!)).toMatchObject({ id: "hana", username: "hana", passwordHash: null });
    expect(await users.hasPassword("hana")).toBe(false);
    expect(await users.find("hana")).toEqual({ id: "hana", username: "hana" });
    expect(await users.verify("hana", "first-password")).toBeNull();
    expect(await users.removePassword("hana")).toBeUndefined();
    // Undone: the old hash is back.
    await removal!.undo();
    expect(await users.verify("hana", "first-password")).toEqual({ id: "hana", username: "hana" });
    // An undo never overwrites a password set since.
    const second = await users.removePassword("hana");
    expect(await users.changePassword("hana", "second-password")).toBe(true);
    await second!.undo();
    expect(await users.verify("hana", "first-password")).toBeNull();
    expect(await users.verify("hana", "second-password")).toEqual({ id: "hana", username: "hana" });
    expect(await users.hasPassword("nobody-here")).toBe(false);
    expect(await users.removePassword("nobody-here")).toBeUndefined();
  });

  it("reads a record without a passwordHash as passwordless, and one with a hash of the wrong type as no user", async () => {
    await raw.create("ivan", JSON.stringify({ id: "ivan", username: "Ivan", createdAt: 1 }));
    expect(await users.find("ivan")).toEqual({ id: "ivan", username: "Ivan" });
    expect(await users.hasPassword("ivan")).toBe(false);
    expect(await users.verify("ivan", "any-password")).toBeNull();
    await raw.create("judy", JSON.stringify({ id: "judy", username: "judy", passwordHash: 42 }));
    expect(await users.find("judy")).toBeUndefined();
  });
});

/**
 * CPU time (ms) the hashing processes of this test file (children of this worker running the inline script
 * of users/hash-process.ts, either lane) have used so far: utime + stime of /proc/<pid>/stat, in clock
 * ticks of 10 ms. Linux only.
 */
function hashingCpuMs(): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // from "state", the 3rd field of proc(5)
      if (Number(fields[1]) !== process.pid) continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("ironlink-hashing-")) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while we looked
    }
  }
  return ticks * 10;
}

describe("password hashing", () => {
  it("salts every hash and verifies in constant time: a right password, a wrong one, an unknown name and a passwordless account cost the same hashing", { timeout: 60_000 }, async () => {
    const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same password", a)).toBe(true);
    expect(await verifyPassword("same passwore", a)).toBe(false);
    expect(await verifyPassword("same password", "md5$abc")).toBe(false);
    if (process.platform !== "linux") return; // the hashing processes' CPU time is read from /proc

    // What an attacker can time: the answer to a sign-in. Its cost is the scrypt in the hashing processes,
    // so the CPU they spend is measured (not wall time, which a busy machine blurs): one scrypt each, whether
    // the name exists or not and whether the password is right. The decoy hash is made once, beforehand.
    const dir = mkdtempSync(join(tmpdir(), "ironlink-constant-time-"));
    try {
      const users = new UserStore(fileUserRecords(dir));
      await users.create("dana", "the right password");
      await users.create("erin", "the right password");
      await users.removePassword("erin");
      expect(await users.verify("nobody-at-all", "the right password")).toBeNull();
      const rounds = 4;
      const cost = async (verify: () => Promise<unknown>) => {
        const before = hashingCpuMs();
        for (let i = 0; i < rounds; i++) await verify();
        return (hashingCpuMs() - before) / rounds;
      };
      const right = await cost(() => users.verify("dana", "the right password"));
      const wrong = await cost(() => users.verify("dana", "a wrong password"));
      const unknown = await cost(() => users.verify("nobody-at-all", "a wrong password"));
      const passwordless = await cost(() => users.verify("erin", "the right password"));
      const costs = `right ${right} ms, wrong ${wrong} ms, unknown name ${unknown} ms, passwordless ${passwordless} ms of hashing CPU per sign-in`;
      // A scrypt is ~100 ms of CPU; a busy machine may run one twice (both lanes, the first answer wins): a
      // factor of 3 either way holds, and a sign-in that skipped or doubled the hash would break it.
      expect(right, costs).toBeGreaterThan(30);
      for (const other of [wrong, unknown, passwordless]) {
        expect(other / right, costs).toBeGreaterThan(1 / 3);
        expect(other / right, costs).toBeLessThan(3);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("normalises unicode so the same password typed differently still matches", async () => {
    const hash = await hashPassword("caf\u00e9-password");
    expect(await verifyPassword("cafe\u0301-password", hash)).toBe(true);
  });
});
