import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRedisClient } from "../src/stores/redis-client";
import "@ironlink/testing";
import { afterAll, inject } from "vitest";
import type { AttemptCounters, FactorRecords, UserRecords } from "../src/fleet/accounts/storage/account-storage";
import { fileAttemptCounters, fileFactorRecords, fileUserRecords } from "../src/fleet/accounts/storage/file-storage";
import { redisAttemptCounters, redisFactorRecords, redisUserRecords } from "../src/fleet/accounts/storage/redis-storage";

/** Both account storages, Redis (the run's private redis-server) and files (a temp dir), for describe.each. */
export function accountStorages() {
  const redis = createRedisClient(inject("redisConnection"));
  const dir = mkdtempSync(join(tmpdir(), "ironlink-accounts-"));
  afterAll(async () => {
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });
  const prefix = () => `test:${randomUUID()}:`;
  return [
    {
      kind: "redis",
      redis,
      users: (): UserRecords => redisUserRecords(redis, `${prefix()}user:`),
      counters: (): AttemptCounters => redisAttemptCounters(redis, `${prefix()}ratelimit:`),
      factors: (): FactorRecords => {
        const run = prefix();
        return redisFactorRecords(redis, `${run}factors:`, `${run}passkey:`);
      },
    },
    {
      kind: "file",
      redis,
      users: (): UserRecords => fileUserRecords(join(dir, randomUUID())),
      counters: (): AttemptCounters => fileAttemptCounters(join(dir, randomUUID())),
      factors: (): FactorRecords => fileFactorRecords(join(dir, randomUUID())),
    },
  ] as const;
}
