// Plain JavaScript: Vitest loads a config's imports from node_modules with Node itself, which cannot run TypeScript.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The Vitest config of every package with tests: one private Redis for the whole run (see
 * vitest-global-setup.ts), described to tests as `inject("redisConnection")` (and, for a single server,
 * `inject("redisUrl")`); each test file uses its own key prefix. IRONLINK_TEST_REDIS=cluster or =sentinel
 * runs the same tests against a Redis Cluster or a Sentinel-managed primary instead of one server.
 */
export const ironlinkVitestConfig = defineConfig({
  // IRONLINK_IRON_SESSION_ENTRY (set by scripts/node-matrix.mjs on Node 22+): the entry file of another
  // iron-session (9), which then stands in for the workspace's 8 as the libraries' peer and the tests'.
  resolve: process.env.IRONLINK_IRON_SESSION_ENTRY ? { alias: { "iron-session": process.env.IRONLINK_IRON_SESSION_ENTRY } } : {},
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: [fileURLToPath(new URL("./vitest-global-setup.ts", import.meta.url))],
    // Most tests wait on Redis, not the CPU: two workers halve the run even on a 2-core machine (the default
    // there is one).
    maxWorkers: 2,
    testTimeout: 10_000,
    hookTimeout: 20_000,
  },
});
