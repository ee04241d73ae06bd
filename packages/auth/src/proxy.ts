import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "./config";
import { storeIsDown } from "./redis";

/** Pages that need a signed-in user. */
const protectedPaths = new Set(["/", "/account"]);

/**
 * Next.js proxy (formerly middleware): optimistic checks only, without I/O.
 * - While the session store (Redis) is known to be down, answer 503 at once (JSON for the API, a friendly page otherwise)
 *   instead of letting each request wait for a timeout. /api/health answers for itself.
 * - No session cookie on a protected page means nobody is signed in: straight to the login page. A cookie
 *   is not trusted here; the page checks the session in Redis through the data-access layer.
 */
export function proxy(request: NextRequest): NextResponse {
  const path = request.nextUrl.pathname;
  if (path !== "/api/health" && storeIsDown()) return unavailable(path.startsWith("/api/"));
  if (protectedPaths.has(path) && !request.cookies.has(getConfig().cookieName)) {
    const login = new URL("/login", request.url);
    login.searchParams.set("next", path + request.nextUrl.search);
    return NextResponse.redirect(login);
  }
  return NextResponse.next();
}

function unavailable(api: boolean): NextResponse {
  const headers = { "Retry-After": "5", "Cache-Control": "no-store" };
  if (api) {
    return NextResponse.json(
      { error: "unavailable", message: "Sign-in is temporarily unavailable: the session store did not answer. Try again shortly." },
      { status: 503, headers },
    );
  }
  return new NextResponse(unavailablePage, { status: 503, headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
}

const unavailablePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in is temporarily unavailable</title>
<style>body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111827;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;border-radius:.75rem;padding:2rem;max-width:28rem;box-shadow:0 1px 3px rgb(0 0 0/.1)}</style></head>
<body><main role="alert"><h1>Sign-in is temporarily unavailable</h1>
<p>We could not reach the session store. Your session is safe; this page will work again in a moment.</p>
<p><a href="">Try again</a></p></main></body></html>`;
