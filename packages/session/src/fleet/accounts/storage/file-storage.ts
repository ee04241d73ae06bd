import { createHash } from "node:crypto";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { readTextIfExists, withFileLock, writeFileAtomic } from "../../../stores/file-io";
import type { AttemptCounters, FactorRecords, UserRecords } from "./account-storage";

/** File names are hashes of the ids, so no name or key can steer a path. */
const fileName = (value: string) => createHash("sha256").update(value).digest("base64url");

async function folder(dir: string, name: string): Promise<string> {
  const path = join(/*turbopackIgnore: true*/ dir, name);
  await mkdir(/*turbopackIgnore: true*/ path, { recursive: true, mode: 0o700 });
  return path;
}

/** Users as files `accounts/<sha256(id)>` in the shared directory. */
export function fileUserRecords(dir: string): UserRecords {
  const pathOf = async (id: string) => join(/*turbopackIgnore: true*/ await folder(dir, "accounts"), fileName(id));
  return {
    get: async (id) => (await readTextIfExists(await pathOf(id))) ?? null,
    async create(id, record) {
      const path = await pathOf(id);
      return withFileLock(path, async () => {
        if ((await readTextIfExists(path)) !== undefined) return false;
        await writeFileAtomic(path, record);
        return true;
      });
    },
    async replace(id, record) {
      const path = await pathOf(id);
      return withFileLock(path, async () => {
        if ((await readTextIfExists(path)) === undefined) return false;
        await writeFileAtomic(path, record);
        return true;
      });
    },
  };
}

/**
 * Factors as files `factors/<sha256(userId)>` and the passkey index as `passkeys/<sha256(credentialId)>`
 * holding the owner's id. Every change reads and writes under the file's lock, so a compare-and-set is atomic
 * across processes.
 */
export function fileFactorRecords(dir: string): FactorRecords {
  const factorPath = async (userId: string) => join(/*turbopackIgnore: true*/ await folder(dir, "factors"), fileName(userId));
  const passkeyPath = async (credentialId: string) => join(/*turbopackIgnore: true*/ await folder(dir, "passkeys"), fileName(credentialId));
  return {
    get: async (userId) => (await readTextIfExists(await factorPath(userId))) ?? null,
    async swap(userId, expected, next) {
      const path = await factorPath(userId);
      return withFileLock(path, async () => {
        if (((await readTextIfExists(path)) ?? null) !== expected) return false;
        if (next === null) await rm(/*turbopackIgnore: true*/ path, { force: true });
        else await writeFileAtomic(path, next);
        return true;
      });
    },
    async claimCredential(credentialId, userId) {
      const path = await passkeyPath(credentialId);
      return withFileLock(path, async () => {
        if ((await readTextIfExists(path)) !== undefined) return false;
        await writeFileAtomic(path, userId);
        return true;
      });
    },
    credentialOwner: async (credentialId) => (await readTextIfExists(await passkeyPath(credentialId))) ?? null,
    async releaseCredential(credentialId, userId) {
      const path = await passkeyPath(credentialId);
      await withFileLock(path, async () => {
        if ((await readTextIfExists(path)) === userId) await rm(/*turbopackIgnore: true*/ path, { force: true });
      });
    },
  };
}

/** How often a process sweeps expired counters, at its next count. */
const counterSweepMs = 60_000;

/**
 * Counters as files `attempts/<sha256(key)>` holding `{ count, expiresAt }`, changed under a lock. A counter
 * given back to zero is removed (a refused attempt leaves nothing), and expired ones are swept once a minute.
 */
export function fileAttemptCounters(dir: string): AttemptCounters {
  const pathOf = async (key: string) => join(/*turbopackIgnore: true*/ await folder(dir, "attempts"), fileName(key));
  let lastSweep = 0;
  const sweepNow = () => {
    if (Date.now() - lastSweep < counterSweepMs) return;
    lastSweep = Date.now();
    void sweepCounters(join(/*turbopackIgnore: true*/ dir, "attempts")).catch(() => undefined); // best effort: expired counts are ignored when read
  };
  return {
    async increment(key, windowMs) {
      const path = await pathOf(key);
      sweepNow();
      return withFileLock(path, async () => {
        const now = Date.now();
        const current = (await readCounter(path, now)) ?? { count: 0, expiresAt: now + windowMs };
        const next = { count: current.count + 1, expiresAt: current.expiresAt };
        await writeFileAtomic(path, JSON.stringify(next));
        return { count: next.count, remainingMs: next.expiresAt - now };
      });
    },
    async decrement(key) {
      const path = await pathOf(key);
      await withFileLock(path, async () => {
        const current = await readCounter(path, Date.now());
        if (current && current.count > 1) await writeFileAtomic(path, JSON.stringify({ ...current, count: current.count - 1 }));
        else await rm(/*turbopackIgnore: true*/ path, { force: true });
      });
    },
    async clear(key) {
      const path = await pathOf(key);
      await withFileLock(path, () => rm(/*turbopackIgnore: true*/ path, { force: true }));
    },
  };
}

/** The counter in `path` while its window lasts; undefined when missing, expired or unreadable. */
async function readCounter(path: string, now: number): Promise<{ count: number; expiresAt: number } | undefined> {
  const text = await readTextIfExists(path);
  if (!text) return undefined;
  try {
    const counter = JSON.parse(text) as { count: number; expiresAt: number };
    return counter.expiresAt > now ? counter : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the counters whose window is over, each under its lock (a count may be restarting it). */
async function sweepCounters(attempts: string): Promise<void> {
  for (const name of await readdir(/*turbopackIgnore: true*/ attempts)) {
    if (name.includes(".")) continue; // locks and temporary files; hashed names have no dots
    const path = join(/*turbopackIgnore: true*/ attempts, name);
    await withFileLock(path, async () => {
      if ((await readCounter(path, Date.now())) === undefined) await rm(/*turbopackIgnore: true*/ path, { force: true });
    }).catch(() => undefined);
  }
}
