import { NextResponse, type NextRequest } from "next/server";
import { configDefaults } from "./config";

/**
 * Next.js proxy (formerly middleware): an optimistic check only. No cookie at all means nobody is signed
 * in, so protected pages redirect straight to the login page without touching Redis. A cookie is not
 * trusted here: the page itself checks the session in Redis through the data-access layer.
 */
export function proxy(request: NextRequest): NextResponse {
  const cookieName = process.env.SESSION_COOKIE_NAME?.trim() || configDefaults.cookieName;
  if (request.cookies.has(cookieName)) return NextResponse.next();
  const login = new URL("/login", request.url);
  login.searchParams.set("next", request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.redirect(login);
}
