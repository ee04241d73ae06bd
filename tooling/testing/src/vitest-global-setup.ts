import type { TestProject } from "vitest/node";
import "./provided-context";
import { startRedis } from "./redis";

/**
 * Vitest `globalSetup`: one redis-server for the whole test run, its URL provided to the tests
 * (`inject("redisUrl")`), stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  project.provide("redisUrl", redis.url);
  return () => redis.stop();
}
