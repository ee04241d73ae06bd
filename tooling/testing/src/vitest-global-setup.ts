import type { TestProject } from "vitest/node";
import "./provided-context";
import { startRedisTopology, topologyFromEnv } from "./topology";

/**
 * Vitest `globalSetup`: one private Redis deployment for the whole test run, of the topology named by
 * IRONLINK_TEST_REDIS (single, cluster or sentinel; default single), described to the tests as
 * `inject("redisConnection")` (and, for single, `inject("redisUrl")`), stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const topology = topologyFromEnv();
  const redis = await startRedisTopology(topology);
  project.provide("redisTopology", topology);
  project.provide("redisConnection", redis.connection);
  if (redis.url !== undefined) project.provide("redisUrl", redis.url);
  return () => redis.stop();
}
