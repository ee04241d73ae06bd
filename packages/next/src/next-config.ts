import type { NextConfig } from "next";
import { maxBodyBytes } from "./server/request-limits";
import { securityHeaders, staticAssetHeaders } from "./server/security-headers";

interface IronlinkAppIdentity {
  /** The app's name, shown in its header and in the account page's session list. */
  name: string;
  /** A CSS colour for the app's accent. */
  accent?: string;
}

/**
 * The Next.js config of an Ironlink app: `export default ironlinkNextConfig({ name: "Billing" })` in
 * next.config.ts. An app's identity (its name and colour) reaches the kit as IRONLINK_APP_NAME and
 * IRONLINK_APP_ACCENT; `overrides` are the app's own settings, applied last.
 */
export function ironlinkNextConfig(app: IronlinkAppIdentity, overrides: NextConfig = {}): NextConfig {
  return {
    reactStrictMode: true,
    poweredByHeader: false,
    // The README has both apps opened on 127.0.0.1 (one host, one cookie); Next's dev server blocks its
    // hot-reload socket for any host but localhost unless told.
    allowedDevOrigins: ["127.0.0.1"],
    serverExternalPackages: ["ioredis"],
    env: { IRONLINK_APP_NAME: app.name, IRONLINK_APP_ACCENT: app.accent ?? "#2563eb" },
    // Server actions take small forms only; Next answers 413 beyond this, before parsing.
    experimental: { serverActions: { bodySizeLimit: maxBodyBytes } },
    // The proxy (pages) and the kit's route handlers send every security header; what neither sees gets the
    // static ones here: static assets, and an app's own routes under /api/. Not HSTS (it depends on the
    // runtime COOKIE_SECURE) and not Referrer-Policy: a header here overrides the route's own, and the
    // cross-site callback answers `no-referrer` (its URL carries a one-time code). A JSON answer is no
    // document, so it sends no Referer anyway.
    async headers() {
      const { "Referrer-Policy": _routesOwn, ...apiHeaders } = securityHeaders({ api: true, secure: false });
      return [
        { source: "/:path*", headers: headerList(staticAssetHeaders) },
        { source: "/api/:path*", headers: headerList(apiHeaders) },
      ];
    },
    ...overrides,
  };
}

const headerList = (headers: Readonly<Record<string, string>>) => Object.entries(headers).map(([key, value]) => ({ key, value }));
