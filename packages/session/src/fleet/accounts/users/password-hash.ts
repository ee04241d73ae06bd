import { randomBytes, type ScryptOptions, timingSafeEqual } from "node:crypto";
import { normalizePassword } from "../validation";
import type { HashFairness } from "./fair-queue";
import { scryptInBackground } from "./hash-process";

/**
 * scrypt from node:crypto, in hashing processes of their own (./hash-process: idle priority first, a bounded
 * ordinary share when that starves), so hashing never blocks or outcompetes the event loop that serves
 * session reads, and is never starved by it. Parameters are stored with each hash, so they
 * can be raised later without breaking existing accounts.
 */
const defaults = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

/**
 * `scrypt$N$r$p$salt$hash`, salt and hash in base64url. `fairness`, here and below: whom the hash is for
 * (client address, account), so the hashing queue serves everyone in turn (./fair-queue).
 */
export async function hashPassword(password: string, fairness?: HashFairness): Promise<string> {
  const { N, r, p, keyLength, saltLength } = defaults;
  const salt = randomBytes(saltLength);
  const key = await deriveKey(password, salt, keyLength, { N, r, p }, fairness);
  return ["scrypt", N, r, p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string, fairness?: HashFairness): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== "scrypt" || !salt || !hash || !usableParams(params)) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await deriveKey(password, Buffer.from(salt, "base64url"), expected.length, params, fairness);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Normalised first, so the same password typed with composed or decomposed characters gives the same key. */
function deriveKey(password: string, salt: Uint8Array, keyLength: number, params: ScryptOptions, fairness?: HashFairness): Promise<Buffer> {
  return scryptInBackground(normalizePassword(password), salt, keyLength, params, fairness);
}

/** A stored hash we could not have written (N a power of two above 1, r and p positive) opens nothing. */
function usableParams({ N, r, p }: { N: number; r: number; p: number }): boolean {
  const positive = (x: number) => Number.isSafeInteger(x) && x > 0;
  return positive(N) && N > 1 && Number.isInteger(Math.log2(N)) && positive(r) && positive(p);
}

// Compared against when the username does not exist, so a wrong name costs as long as a wrong password.
// One that could not be made (the hashing queue was full, the process died) is made again next time, or
// every unknown name would fail from then on. It is made on the turn of whoever first needs it.
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(fairness?: HashFairness): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString("base64url"), fairness).catch((error: unknown) => {
    decoyHash = undefined;
    throw error;
  });
  return decoyHash;
}
