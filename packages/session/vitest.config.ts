import { defineConfig } from "vitest/config";

// Vitest 5 wants Node >= 22.12, and its reporter calls Map.groupBy (Node 21+) to print a failing test:
// on Node 20 a failure would show as "Map.groupBy is not a function" instead of the assertion.
const mapWithGroupBy = Map as unknown as { groupBy?: <K, V>(items: Iterable<V>, key: (item: V, index: number) => K) => Map<K, V[]> };
mapWithGroupBy.groupBy ??= <K, V>(items: Iterable<V>, key: (item: V, index: number) => K) => {
  const groups = new Map<K, V[]>();
  let index = 0;
  for (const item of items) {
    const k = key(item, index++);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
};

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One redis-server for the whole run (see @ironlink/testing); each test file uses its own key prefix.
    globalSetup: ["@ironlink/testing/vitest-global-setup"],
    testTimeout: 10_000,
    hookTimeout: 20_000,
  },
});
