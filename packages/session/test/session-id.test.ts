import { describe, expect, test } from "vitest";
import { generateSessionId, storeKeyFor } from "../src/session-id";
import { sha256, useTestRedis } from "./helpers";

const redis = useTestRedis();
/** Every id created in this file, to check no Redis key or value holds any of them. */
const allSids: string[] = [];

describe("session ids", () => {
  test("are 256 random bits, base64url, and differ per session", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const { sid } = await redis.create({ i });
      expect(sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(sid, "base64url")).toHaveLength(32);
      expect(Buffer.from(sid, "base64url").toString("base64url")).toBe(sid);
      ids.add(sid);
      allSids.push(sid);
    }
    expect(ids.size).toBe(10);

    const generated = new Set(Array.from({ length: 1000 }, () => generateSessionId()));
    expect(generated.size).toBe(1000);
    // Bits look random: roughly half of the 256,000 bits are set.
    let ones = 0;
    for (const id of generated) for (const byte of Buffer.from(id, "base64url")) ones += popcount(byte);
    expect(ones / (1000 * 256)).toBeGreaterThan(0.49);
    expect(ones / (1000 * 256)).toBeLessThan(0.51);
  });

  test("the Redis key is the SHA-256 (base64url) of the id, never the id itself", async () => {
    const created = [await redis.create({ a: 1 }), await redis.create({ b: 2 }), await redis.create({ c: 3 })];
    allSids.push(...created.map(({ sid }) => sid));
    const keys = await redis.keys();
    expect(keys).toEqual(expect.arrayContaining(created.map(({ sid }) => redis.prefix + sha256(sid))));
    expect(keys).toHaveLength(allSids.length);
    const values = await Promise.all(keys.map((key) => redis.client.get(key)));
    for (const sid of allSids) {
      expect(storeKeyFor(sid)).toBe(sha256(sid));
      for (const key of keys) {
        expect(key).toMatch(new RegExp(`^${redis.prefix}[A-Za-z0-9_-]{43}$`));
        expect(key).not.toContain(sid);
      }
      for (const value of values) expect(value).not.toContain(sid);
    }
  });
});

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b; b >>= 1) n += b & 1;
  return n;
}
