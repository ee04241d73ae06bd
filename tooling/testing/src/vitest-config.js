// Plain JavaScript: Vitest loads a config's imports from node_modules with Node itself, which cannot run TypeScript.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The Vitest config of every package with tests: one private redis-server for the whole run (see
 * vitest-global-setup.ts), its URL given to tests as `inject("redisUrl")`; each test file uses its own key prefix.
 */
export const ironlinkVitestConfig = defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: [fileURLToPath(new URL("./vitest-global-setup.ts", import.meta.url))],
    testTimeout: 10_000,
    hookTimeout: 20_000,
  },
});
