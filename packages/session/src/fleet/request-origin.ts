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

/** Longest Origin quoted back: the header is the sender's text, so a refusal never echoes more than this. */
const quotedOriginLimit = 100;

/**
 * Why `isAllowedOrigin` refused a request, for whoever reads the 403: the request's Origin (cut to
 * `quotedOriginLimit` characters) and APP_ORIGINS, so "localhost" against a list of "127.0.0.1" is seen at
 * once. Plain text: an HTML page must escape it, as it would any header.
 */
export function refusedOriginMessage(headers: RequestHeaders, appOrigins: readonly string[]): string {
  const origin = header(headers, "origin");
  const list = `APP_ORIGINS (${appOrigins.join(", ")})`;
  if (origin === undefined) {
    return `Cross-site request refused: the browser marked it as coming from another site, and only the origins in ${list} may send it.`;
  }
  const quoted = origin.length > quotedOriginLimit ? `${origin.slice(0, quotedOriginLimit)}…` : origin;
  return `Cross-site request refused: this request came from ${quoted}, which is not in ${list}. Open the app at one of those addresses, or add this origin to APP_ORIGINS on every app of the fleet.`;
}
