import { NextResponse, type NextRequest } from "next/server";
import { callbackPath } from "@ironlink/session/fleet";
import { getConfig } from "./config";
import { storeIsDown } from "./fleet";
import { ironlinkOptions } from "./options";
import { signInLocation } from "./sign-in-location";
import { newNonce, nonceRequestHeader, securityHeaders } from "./server/security-headers";

/**
 * Next.js proxy (formerly middleware): optimistic checks only, without I/O.
 * - While the session store (Redis) is known to be down, answer 503 at once (JSON for the API, a friendly page otherwise)
 *   instead of letting each request wait for a timeout. /api/health answers for itself.
 * - No session cookie on a protected page means nobody is signed in: straight to the login page. A cookie
 *   is not trusted here; the page checks the session in Redis through the data-access layer.
 * - Every answer, whichever of these it is, gets the security headers (server/security-headers.ts).
 *   A page gets a fresh nonce; the cookie's Secure setting is read at runtime, so HSTS is decided here, not
 *   at build time.
 */
export function proxy(request: NextRequest): NextResponse {
  const path = request.nextUrl.pathname;
  const { production, cookieSecure: secure } = getConfig();
  // An API answer renders no HTML, so it needs no nonce; every page gets a fresh one.
  const nonce = path.startsWith("/api/") ? undefined : newNonce();
  const headers = securityHeaders(nonce === undefined ? { api: true, secure } : { api: false, nonce, dev: !production, secure });
  const response = answer(request, path, nonce, headers["Content-Security-Policy"]!);
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  // The cross-site callback's URL carries a one-time code: it leaves no Referer anywhere.
  if (path === callbackPath) response.headers.set("Referrer-Policy", "no-referrer");
  return response;
}

/** The proxy's answer before the security headers: a 503, a redirect to sign in, or on to the app. */
function answer(request: NextRequest, path: string, nonce: string | undefined, policy: string): NextResponse {
  if (path !== "/api/health" && storeIsDown()) return unavailable(nonce);
  if (ironlinkOptions().protectedPaths.has(path) && !request.cookies.has(getConfig().cookieName)) {
    return NextResponse.redirect(new URL(signInLocation(path + request.nextUrl.search), request.url));
  }
  if (nonce === undefined) return NextResponse.next();
  // Next takes the nonce from the request's policy and puts it on every script it renders; the layout reads
  // the nonce header for its own <style>. Both are set, never passed through: a client cannot choose them.
  const forwarded = new Headers(request.headers);
  forwarded.set("Content-Security-Policy", policy);
  forwarded.set(nonceRequestHeader, nonce);
  return NextResponse.next({ request: { headers: forwarded } });
}

/** The 503 of an outage: JSON for the API (no nonce), else a page whose one <style> carries the page's nonce. */
function unavailable(nonce: string | undefined): NextResponse {
  const headers = { "Retry-After": "5", "Cache-Control": "no-store" };
  if (nonce === undefined) {
    return NextResponse.json(
      { error: "unavailable", message: "Sign-in is temporarily unavailable: the session store did not answer. Try again shortly." },
      { status: 503, headers },
    );
  }
  return new NextResponse(unavailablePage(nonce), { status: 503, headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
}

const unavailablePage = (nonce: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in is temporarily unavailable</title>
<style nonce="${nonce}">body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111827;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;border-radius:.75rem;padding:2rem;max-width:28rem;box-shadow:0 1px 3px rgb(0 0 0/.1)}</style></head>
<body><main role="alert"><h1>Sign-in is temporarily unavailable</h1>
<p>We could not reach the session store. Your session is safe; this page will work again in a moment.</p>
<p><a href="">Try again</a></p></main></body></html>`;
