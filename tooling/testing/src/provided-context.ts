import "vitest";
/** What the global setup hands to tests: `inject("redisUrl")` in a test file. */
declare module "vitest" {
  interface ProvidedContext {
    /** The URL of the redis-server started for this test run. Give each test file its own key prefix. */
    redisUrl: string;
  }
}

