import { cookies } from "next/headers";
import type { CookieStore } from "@ironlink/session";
import {
  type CookieWrite,
  finishSignIn,
  type HandoffPage,
  handoffPageHtml,
  handoffPages,
  markSeenOn,
  safeNextPath,
  startSignIn,
  startUrl,
} from "@ironlink/session/fleet";
import { getConfig } from "../config";
import { getFleet } from "../fleet";
import { apiRoute, jsonError } from "../http";
import { ironlinkOptions } from "../options";
import { isSatellite } from "../sign-in-location";

/**
 * GET /api/ironlink/start?next=/path on an app of another site (a satellite): a verifier for this browser in
 * a cookie of this app's, then on to the fleet's sign-in page. GET /api/ironlink/callback?code=…: the code
 * redeemed through the shared store, this app's own cookie for the same session, and on to `next`.
 */
export const start = satelliteRoute(async (request, publicUrl) => {
  const next = safeNextPath(new URL(request.url).searchParams.get("next"));
  const answer = await startSignIn(getConfig(), () => getFleet().isSignInUp(), { publicUrl, next });
  if (answer.kind === "sign-in-down") return page("sign-in-down", startUrl(next));
  await write(answer.cookie);
  return redirect(answer.location);
});

export const callback = satelliteRoute(async (request, publicUrl) => {
  const query = new URL(request.url).searchParams;
  const jar = await cookies();
  // The raw header, not `jar`: Next's store keeps one of several cookies of a name, and a planted verifier
  // must be seen beside ours (finishSignIn refuses both).
  const answer = await finishSignIn(getConfig(), getFleet().handoff, { publicUrl, query, cookieHeader: request.headers.get("cookie") });
  for (const clear of answer.clearVerifier) await write(clear);
  if (answer.kind === "refused") return redirect(answer.location);
  if (answer.kind !== "signed-in") return page(answer.kind, startUrl(safeNextPath(query.get("next"))));
  // Read through the session manager, which rewrites the cookie for this app and notes where it was used.
  const session = await getFleet().sessions.getSession(withCookie(jar, getConfig().cookieName, answer.sessionCookie));
  markSeenOn(session, new URL(publicUrl).origin);
  await session.save();
  return redirect(answer.location);
});

/** A route only apps on another site than the sign-in app have: 404 on the others. */
function satelliteRoute(handler: (request: Request, publicUrl: string) => Promise<Response>): (request: Request) => Promise<Response> {
  return apiRoute(async (request) => {
    const { publicUrl } = ironlinkOptions();
    if (!isSatellite() || !publicUrl) return jsonError(404, "not_found", "This app shares the sign-in app's cookie: it needs no cross-site sign-in.");
    return handler(request, publicUrl);
  });
}

/** The cookie store with the redeemed cookie in place of whatever this browser sent for the session. */
function withCookie(store: CookieStore, name: string, value: string): CookieStore {
  return {
    get: (wanted) => (wanted === name ? { value } : store.get(wanted)),
    getAll: (wanted) => (wanted === name ? [{ value }] : (store.getAll?.(wanted) ?? [])),
    set: (wanted, written, options) => store.set(wanted, written, options),
  };
}

async function write({ name, value, options }: CookieWrite): Promise<void> {
  (await cookies()).set(name, value, options);
}

// The code is in this URL: no Referer carries it anywhere, and no cache keeps the answer.
const privateHeaders = { "Referrer-Policy": "no-referrer", "Cache-Control": "no-store" };

function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { Location: location, ...privateHeaders } });
}

function page(kind: HandoffPage, retry: string | undefined): Response {
  return new Response(handoffPageHtml(kind, retry), {
    status: handoffPages[kind].status,
    headers: { "Content-Type": "text/html; charset=utf-8", ...privateHeaders, ...(kind === "sign-in-down" ? { "Retry-After": "5" } : {}) },
  });
}
