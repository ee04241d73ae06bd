import type { NextConfig } from "next";

/** The bare Next 16 peer: stateless iron-session in one App Router route (and its write), nothing else. */
const root = new URL("../../..", import.meta.url).pathname;
const config: NextConfig = {
  poweredByHeader: false,
  // The repository's root: where npm hoists next and iron-session, and bench/lib (shared with the fixture) lies under it.
  outputFileTracingRoot: root,
  turbopack: { root },
};

export default config;
