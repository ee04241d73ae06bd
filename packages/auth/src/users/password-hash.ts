import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { availableParallelism } from "node:os";

/**
 * scrypt from node:crypto. It runs on libuv's thread pool, so hashing never blocks the event loop that
 * serves session reads. Parameters are stored with each hash, so they can be raised later without
 * breaking existing accounts.
 */
const defaults = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;
// scrypt needs 128 * N * r bytes; leave headroom above Node's 32 MiB default.
const maxmem = 256 * 1024 * 1024;

/**
 * At most one hash per CPU but one at a time: each is ~100 ms of CPU, and libuv's pool would run four at
 * once, starving the event loop that serves session reads on a small machine (see docs/benchmarks.md).
 * Sign-ins beyond that wait their turn instead.
 */
const maxConcurrentHashes = Math.max(1, availableParallelism() - 1);
let running = 0;
const waiting: Array<() => void> = [];

async function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  if (running < maxConcurrentHashes) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // the finishing hash hands its slot over
  try {
    return await new Promise<Buffer>((resolve, reject) =>
      scryptCallback(password.normalize("NFKC"), salt, keyLength, { ...options, maxmem }, (error, key) =>
        error ? reject(error) : resolve(key),
      ),
    );
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keyLength, saltLength } = defaults;
  const salt = randomBytes(saltLength);
  const key = await scrypt(password, salt, keyLength, { N, r, p });
  return ["scrypt", N, r, p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await scrypt(password, Buffer.from(salt, "base64url"), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// Compared against when the username does not exist, so a wrong name costs as long as a wrong password.
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString("base64url"));
  return decoyHash;
}
