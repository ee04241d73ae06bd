import type { IncomingHttpHeaders } from "node:http";

/** Fetch's `Headers`, or node:http's header object (Express's `req.headers`). */
export type RequestHeaders = Pick<Headers, "get"> | IncomingHttpHeaders;

/**
 * CSRF check for state-changing requests. Browsers always send Origin on cross-origin POSTs, so a POST is
 * allowed when its Origin is exactly (scheme, host and port) one of the fleet's APP_ORIGINS: an
 * `https://` page cannot post to the `http://` app of the same host, nor the reverse. A request without
 * Origin (curl, server-to-server) is allowed unless the browser marked it cross-site.
 */
export function isAllowedOrigin(headers: RequestHeaders, appOrigins: readonly string[]): boolean {
  const origin = header(headers, "origin");
  if (origin === undefined) return header(headers, "sec-fetch-site") !== "cross-site";
  return appOrigins.includes(origin);
}

function header(headers: RequestHeaders, name: string): string | undefined {
  // node:http joins a repeated Origin with ", ", which then matches no origin: refused, as it should be.
  const value = typeof headers.get === "function" ? headers.get(name) : (headers as IncomingHttpHeaders)[name];
  return typeof value === "string" ? value : undefined;
}
