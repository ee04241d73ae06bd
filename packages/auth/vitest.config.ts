import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One private redis-server for the run (see @ironlink/testing); each file uses its own key prefix.
    globalSetup: ["@ironlink/testing/vitest-global-setup"],
    testTimeout: 10_000,
    hookTimeout: 20_000,
  },
});
