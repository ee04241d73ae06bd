/**
 * CSRF check for state-changing API requests. Browsers always send Origin on cross-origin POSTs, so a POST
 * is allowed when its Origin is one of the fleet's apps or this very host; a request without Origin
 * (curl, server-to-server) is allowed unless the browser marked it cross-site.
 */
export function isAllowedOrigin(headers: Headers, appOrigins: readonly string[]): boolean {
  const origin = headers.get("origin");
  if (origin === null) return headers.get("sec-fetch-site") !== "cross-site";
  if (appOrigins.includes(origin)) return true;
  const host = headers.get("host");
  try {
    return host !== null && new URL(origin).host === host;
  } catch {
    return false; // "null" and other opaque origins
  }
}
