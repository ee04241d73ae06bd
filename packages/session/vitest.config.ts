import { ironlinkVitestConfig } from "@ironlink/testing/vitest-config";
import { configDefaults } from "vitest/config";

// The password hashing and validation tests use no Redis: run once (the single server's run), not again per topology.
const withoutRedis = ["test/hash-process.test.ts", "test/fair-queue.test.ts", "test/validation.test.ts", "test/passkeys.test.ts", "test/totp.test.ts"];
const perTopology = process.env.IRONLINK_TEST_REDIS === "cluster" || process.env.IRONLINK_TEST_REDIS === "sentinel";

export default perTopology
  ? { ...ironlinkVitestConfig, test: { ...ironlinkVitestConfig.test, exclude: [...configDefaults.exclude, ...withoutRedis] } }
  : ironlinkVitestConfig;
