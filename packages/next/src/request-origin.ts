/**
 * CSRF check for state-changing requests. Browsers always send Origin on cross-origin POSTs, so a POST is
 * allowed when its Origin is exactly (scheme, host and port) one of the fleet's APP_ORIGINS: an
 * `https://` page cannot post to the `http://` app of the same host, nor the reverse. A request without
 * Origin (curl, server-to-server) is allowed unless the browser marked it cross-site.
 */
export function isAllowedOrigin(headers: Headers, appOrigins: readonly string[]): boolean {
  const origin = headers.get("origin");
  if (origin === null) return headers.get("sec-fetch-site") !== "cross-site";
  return appOrigins.includes(origin);
}

