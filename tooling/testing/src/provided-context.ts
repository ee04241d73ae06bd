import "vitest";
import type { RedisConnectionDescriptor, RedisTopology } from "./topology";

/** What the global setup hands to tests: `inject("redisConnection")` in a test file. */
declare module "vitest" {
  interface ProvidedContext {
    /** The topology of this run, from IRONLINK_TEST_REDIS: "single" (the default), "cluster" or "sentinel". */
    redisTopology: RedisTopology;
    /**
     * How to reach the run's Redis, whatever the topology: give it to `createRedisClient`. Give each test file
     * its own key prefix.
     */
    redisConnection: RedisConnectionDescriptor;
    /**
     * The URL of the run's redis-server. Provided only when the topology is "single" (undefined otherwise):
     * prefer `redisConnection`, which works with every topology.
     */
    redisUrl: string;
  }
}
