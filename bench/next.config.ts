import type { NextConfig } from "next";

/** The benchmark fixture: three route handlers and nothing else, compiled like the product apps. */
const config: NextConfig = {
  poweredByHeader: false,
  serverExternalPackages: ["ioredis"],
  // Under bench/, not the repository's root: keeps Next from guessing the workspace root from lockfiles.
  outputFileTracingRoot: new URL("..", import.meta.url).pathname,
};

export default config;
