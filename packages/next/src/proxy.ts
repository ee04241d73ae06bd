import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "./config";
import { fleetHttp } from "@ironlink/session/fleet";
import { storeDownRetryAfterSeconds, storeIsDown } from "./fleet";
import type { ResolvedOptions } from "./options";
import { signInLocation } from "./sign-in-location";
import { newNonce, nonceRequestHeader, securityHeaders } from "./server/security-headers";

/**
 * Next.js proxy (formerly middleware), for pages only (`export const { proxy } = ironlink` in proxy.ts): optimistic checks, without I/O. Its matcher leaves out
 * /api/ (as Next's authentication guide does): the route handlers answer for themselves (handlers.ts sends the
 * same security headers and the same fast 503), and a proxy on every API request cost a third of their
 * throughput (docs/benchmarks.md).
 * - While the session store (Redis) is known to be down, answer a friendly 503 page at once instead of
 *   letting each request wait for a timeout.
 * - No session cookie on a protected page means nobody is signed in: straight to the login page. A cookie
 *   is not trusted here; the page checks the session in Redis through the data-access layer.
 * - Every answer, whichever of these it is, gets the security headers (server/security-headers.ts) and a
 *   fresh nonce; the cookie's Secure setting is read at runtime, so HSTS is decided here, not at build time.
 */
export function createProxy(options: ResolvedOptions): (request: NextRequest) => NextResponse {
  return (request) => proxy(options, request);
}

function proxy(options: ResolvedOptions, request: NextRequest): NextResponse {
  const path = request.nextUrl.pathname;
  // An app whose matcher still includes /api/ (written before this) loses nothing: the handlers set their headers.
  if (path.startsWith("/api/")) return NextResponse.next();
  const { production, cookieSecure: secure } = getConfig();
  const nonce = newNonce();
  const headers = securityHeaders({ api: false, nonce, dev: !production, secure });
  const response = answer(options, request, path, nonce, headers["Content-Security-Policy"]!);
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

/** The proxy's answer before the security headers: a 503, a redirect to sign in, or on to the page. */
function answer(options: ResolvedOptions, request: NextRequest, path: string, nonce: string, policy: string): NextResponse {
  if (storeIsDown()) return unavailable(nonce);
  if (options.protectedPaths.has(path) && !request.cookies.has(getConfig().cookieName)) {
    return NextResponse.redirect(new URL(signInLocation(options, path + request.nextUrl.search), request.url));
  }
  // Next takes the nonce from the request's policy and puts it on every script it renders; the layout reads
  // the nonce header for its own <style>. Both are set, never passed through: a client cannot choose them.
  const forwarded = new Headers(request.headers);
  forwarded.set("Content-Security-Policy", policy);
  forwarded.set(nonceRequestHeader, nonce);
  return NextResponse.next({ request: { headers: forwarded } });
}

/** The 503 page of an outage; its one <style> carries the page's nonce. */
function unavailable(nonce: string): NextResponse {
  return new NextResponse(fleetHttp.outagePage(nonce), {
    status: 503,
    headers: { "Retry-After": String(storeDownRetryAfterSeconds), "Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8" },
  });
}
