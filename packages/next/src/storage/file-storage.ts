import { createHash } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { readTextIfExists, withFileLock, writeFileAtomic } from "@ironlink/session/file";
import type { AttemptCounters, UserRecords } from "./account-storage";

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

/** Counters as files `attempts/<sha256(key)>` holding `{ count, expiresAt }`, changed under a lock. */
export function fileAttemptCounters(dir: string): AttemptCounters {
  const pathOf = async (key: string) => join(/*turbopackIgnore: true*/ await folder(dir, "attempts"), fileName(key));
  const read = async (path: string, now: number) => {
    const text = await readTextIfExists(path);
    if (!text) return undefined;
    try {
      const counter = JSON.parse(text) as { count: number; expiresAt: number };
      return counter.expiresAt > now ? counter : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    async increment(key, windowMs) {
      const path = await pathOf(key);
      return withFileLock(path, async () => {
        const now = Date.now();
        const current = (await read(path, now)) ?? { count: 0, expiresAt: now + windowMs };
        const next = { count: current.count + 1, expiresAt: current.expiresAt };
        await writeFileAtomic(path, JSON.stringify(next));
        return { count: next.count, remainingMs: next.expiresAt - now };
      });
    },
    async decrement(key) {
      const path = await pathOf(key);
      await withFileLock(path, async () => {
        const current = await read(path, Date.now());
        if (current && current.count > 0) await writeFileAtomic(path, JSON.stringify({ ...current, count: current.count - 1 }));
      });
    },
    async clear(key) {
      const path = await pathOf(key);
      await withFileLock(path, () => rm(/*turbopackIgnore: true*/ path, { force: true }));
    },
  };
}
