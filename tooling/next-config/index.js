/**
 * The Next.js config every Ironlink app shares. The @ironlink packages export TypeScript source
 * (just-in-time packages), so Next compiles them with the app.
 *
 * @param {import("next").NextConfig} [overrides]
 * @returns {import("next").NextConfig}
 */
export function ironlinkNextConfig(overrides = {}) {
  return {
    reactStrictMode: true,
    poweredByHeader: false,
    transpilePackages: ["@ironlink/auth", "@ironlink/session", "@ironlink/ui"],
    serverExternalPackages: ["ioredis"],
    ...overrides,
  };
}
