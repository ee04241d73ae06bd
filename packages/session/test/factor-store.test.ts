import { describe, expect, it } from "vitest";
import { FactorStore } from "../src/fleet/accounts/factors/factor-store";
import type { StoredPasskey } from "../src/fleet/accounts/factors/types";
import { accountStorages } from "./storages";

const passkey = (id: string): StoredPasskey => ({ id, publicKey: `key-${id}`, counter: 0, name: `Key ${id}`, createdAt: 1_700_000_000_000 });

/** The factor records and FactorStore on Redis (this run's topology) and on files (issue 26). */
describe.each(accountStorages())("FactorStore ($kind)", ({ factors: makeRecords }) => {
  it("reads a person without factors as empty", async () => {
    expect(await new FactorStore(makeRecords()).read("nobody")).toEqual({ passkeys: [] });
  });

  it("stores an update and reads it back", async () => {
    const store = new FactorStore(makeRecords());
    const totp = { sealedSecret: "sealed", enabledAt: 1_700_000_000_000 };
    const stored = await store.update("ann", (current) => ({ ...current, passkeys: [passkey("a")], totp, recoveryCodes: ["h1", "h2"], userHandle: "handle" }));
    expect(stored).toEqual({ passkeys: [passkey("a")], totp, recoveryCodes: ["h1", "h2"], userHandle: "handle" });
    expect(await store.read("ann")).toEqual(stored);
    expect(await store.read("ben")).toEqual({ passkeys: [] });
  });

  it("writes nothing when the change returns undefined, and resolves to the current factors", async () => {
    const records = makeRecords();
    const store = new FactorStore(records);
    expect(await store.update("cal", () => undefined)).toEqual({ passkeys: [] });
    expect(await records.get("cal")).toBeNull();
    await store.update("cal", () => ({ passkeys: [passkey("c")] }));
    expect(await store.update("cal", () => undefined)).toEqual({ passkeys: [passkey("c")] });
  });

  it("keeps every one of 10 concurrent updates", async () => {
    const store = new FactorStore(makeRecords());
    const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
    await Promise.all(ids.map((id) => store.update("dee", (current) => ({ ...current, passkeys: [...current.passkeys, passkey(id)] }))));
    const stored = await store.read("dee");
    expect(stored.passkeys.map((p) => p.id).sort()).toEqual(ids.sort());
  }, 30_000);

  it("reads a corrupt record as empty and replaces it at the next update", async () => {
    const records = makeRecords();
    const store = new FactorStore(records);
    expect(await records.swap("eve", null, "{not json")).toBe(true);
    expect(await store.read("eve")).toEqual({ passkeys: [] });
    expect(await store.update("eve", (current) => ({ ...current, passkeys: [passkey("e")] }))).toEqual({ passkeys: [passkey("e")] });
    expect(await store.read("eve")).toEqual({ passkeys: [passkey("e")] });
  });

  it("keeps only the fields and passkeys of the right shape", async () => {
    const records = makeRecords();
    const wrong = { passkeys: [passkey("ok"), { id: 1 }, { ...passkey("neg"), counter: -1 }, null], totp: { sealedSecret: 5 }, recoveryCodes: [1], userHandle: "h" };
    await records.swap("fay", null, JSON.stringify(wrong));
    expect(await new FactorStore(records).read("fay")).toEqual({ passkeys: [passkey("ok")], userHandle: "h" });
    await records.swap("fay", JSON.stringify(wrong), JSON.stringify([1, 2]));
    expect(await new FactorStore(records).read("fay")).toEqual({ passkeys: [] });
  });

  it("swaps only from the expected value: absent, stale and deletion", async () => {
    const records = makeRecords();
    expect(await records.swap("gus", "something", "v1")).toBe(false);
    expect(await records.get("gus")).toBeNull();
    expect(await records.swap("gus", null, "v1")).toBe(true);
    expect(await records.swap("gus", null, "v2")).toBe(false);
    expect(await records.swap("gus", "v0", "v2")).toBe(false);
    expect(await records.get("gus")).toBe("v1");
    expect(await records.swap("gus", "v1", "v2")).toBe(true);
    expect(await records.swap("gus", "v1", "v3")).toBe(false);
    expect(await records.get("gus")).toBe("v2");
    expect(await records.swap("gus", "v2", null)).toBe(true);
    expect(await records.get("gus")).toBeNull();
    // An empty string is a value, not an absence.
    expect(await records.swap("gus", null, "")).toBe(true);
    expect(await records.swap("gus", null, "v4")).toBe(false);
    expect(await records.swap("gus", "", "v4")).toBe(true);
  });

  it("claims a credential once; only its owner releases it", async () => {
    const store = new FactorStore(makeRecords());
    expect(await store.credentialOwner("cred-1")).toBeNull();
    expect(await store.claimCredential("cred-1", "ann")).toBe(true);
    expect(await store.claimCredential("cred-1", "ben")).toBe(false);
    expect(await store.claimCredential("cred-1", "ann")).toBe(false);
    expect(await store.credentialOwner("cred-1")).toBe("ann");
    await store.releaseCredential("cred-1", "ben");
    expect(await store.credentialOwner("cred-1")).toBe("ann");
    await store.releaseCredential("cred-1", "ann");
    expect(await store.credentialOwner("cred-1")).toBeNull();
    expect(await store.claimCredential("cred-1", "ben")).toBe(true);
    expect(await store.credentialOwner("cred-1")).toBe("ben");
    await store.releaseCredential("never-claimed", "ben");
  });

  it("lets exactly one of many concurrent claims of a credential win", async () => {
    const store = new FactorStore(makeRecords());
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimCredential("cred-2", `user-${i}`)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.credentialOwner("cred-2")).toBe(`user-${results.indexOf(true)}`);
  });
});
