import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "./config";

/**
 * Next.js proxy (formerly middleware): an optimistic check only. No cookie at all means nobody is signed
 * in, so protected pages redirect straight to the login page without touching Redis. A cookie is not
 * trusted here: the page itself checks the session in Redis through the data-access layer.
 */
export function proxy(request: NextRequest): NextResponse {
  if (request.cookies.has(getConfig().cookieName)) return NextResponse.next();
  const login = new URL("/login", request.url);
  login.searchParams.set("next", request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.redirect(login);
}
