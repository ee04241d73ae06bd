import { maxBodyBytes } from "./request-limits.js";
import { staticAssetHeaders } from "./security-headers.js";

/**
 * The Next.js config every Ironlink app shares. @ironlink/auth and @ironlink/ui export TypeScript source
 * (just-in-time packages), so Next compiles them with the app; @ironlink/session is a built package, used
 * from its dist/ as any app outside the repository uses it. An app's identity (its name and colour)
 * is all that differs, and reaches the shared code as IRONLINK_APP_NAME and IRONLINK_APP_ACCENT.
 *
 * @param {{ name: string, accent: string }} app
 * @param {import("next").NextConfig} [overrides]
 * @returns {import("next").NextConfig}
 */
export function ironlinkNextConfig(app, overrides = {}) {
  return {
    reactStrictMode: true,
    poweredByHeader: false,
    // The README has both apps opened on 127.0.0.1 (one host, one cookie); Next's dev server blocks its
    // hot-reload socket for any host but localhost unless told.
    allowedDevOrigins: ["127.0.0.1"],
    transpilePackages: ["@ironlink/auth", "@ironlink/ui"],
    serverExternalPackages: ["ioredis"],
    env: { IRONLINK_APP_NAME: app.name, IRONLINK_APP_ACCENT: app.accent },
    // Server actions take small forms only; Next answers 413 beyond this, before parsing.
    experimental: { serverActions: { bodySizeLimit: maxBodyBytes } },
    // The proxy sends every security header, but its matcher skips static assets: they get the static ones
    // here, on every path (where the proxy sets the same header too, the answer still carries it once).
    async headers() {
      return [{ source: "/:path*", headers: Object.entries(staticAssetHeaders).map(([key, value]) => ({ key, value })) }];
    },
    ...overrides,
  };
}
