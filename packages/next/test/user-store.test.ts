import { describe, expect, it } from "vitest";
import { HashingBusyError, hashPassword, UserStore, verifyPassword } from "../src/users";
import { maxHashesPerAccount } from "../src/users/hash-process";
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
});

describe("password hashing", () => {
  it("salts every hash and verifies in constant time", async () => {
    const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same password", a)).toBe(true);
    expect(await verifyPassword("same passwore", a)).toBe(false);
    expect(await verifyPassword("same password", "md5$abc")).toBe(false);
  });

  it("normalises unicode so the same password typed differently still matches", async () => {
    const hash = await hashPassword("caf\u00e9-password");
    expect(await verifyPassword("cafe\u0301-password", hash)).toBe(true);
  });
});
