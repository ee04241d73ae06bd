import { callbackPath, type CookieWrite, type Fleet, finishSignIn, type HandoffPage, handoffPageHtml, handoffPages, markSeenOn, safeNextPath, startPath, startSignIn, startUrl } from "@ironlink/session/fleet";
import type { Request, Response } from "express";

/**
 * The two routes of a satellite (an app on another site than the sign-in app): the start, which keeps a
 * verifier in this browser and sends it to sign in, and the callback, which redeems the one-time code
 * through the store. Resolves true when it answered the request. The flow itself is @ironlink/session's.
 */
export async function answerHandoff(fleet: Fleet, publicUrl: string, req: Request, res: Response): Promise<boolean> {
  if (req.method !== "GET" || (req.path !== startPath && req.path !== callbackPath)) return false;
  const query = new URL(req.originalUrl, "http://ironlink.invalid").searchParams;
  const next = safeNextPath(query.get("next"));
  if (req.path === startPath) {
    const answer = await startSignIn(fleet.config, () => fleet.isSignInUp(), { publicUrl, next });
    if (answer.kind === "sign-in-down") return page(res, "sign-in-down", startUrl(next));
    write(res, answer.cookie);
    res.set(privateHeaders).redirect(303, answer.location);
    return true;
  }
  const answer = await finishSignIn(fleet.config, fleet.handoff, { publicUrl, query, cookieHeader: req.headers.cookie });
  if (answer.kind !== "signed-in") {
    for (const clear of answer.clearVerifier) write(res, clear);
    if (answer.kind === "refused") {
      res.set(privateHeaders).redirect(303, answer.location);
      return true;
    }
    return page(res, answer.kind, startUrl(next));
  }
  // Read through the session manager with the redeemed cookie alone: it rewrites the cookie for this app.
  req.headers.cookie = `${fleet.config.cookieName}=${answer.sessionCookie}`;
  const session = await fleet.sessions.getSession(req, res);
  markSeenOn(session, new URL(publicUrl).origin);
  await session.save();
  for (const clear of answer.clearVerifier) write(res, clear);
  res.set(privateHeaders).redirect(303, answer.location);
  return true;
}

// The code is in the callback's URL: no Referer carries it on, and no cache keeps the answer.
const privateHeaders = { "Referrer-Policy": "no-referrer", "Cache-Control": "no-store" };

function write(res: Response, { name, value, options }: CookieWrite): void {
  const { maxAge, sameSite, ...rest } = options;
  // Express counts maxAge in milliseconds; ours is seconds, as in every cookie library of the fleet.
  res.cookie(name, value, { ...rest, sameSite: sameSite === true ? "strict" : sameSite || undefined, ...(maxAge === undefined ? {} : { maxAge: maxAge * 1000 }) });
}

function page(res: Response, kind: HandoffPage, retry: string | undefined): true {
  res.status(handoffPages[kind].status).set(privateHeaders);
  if (kind === "sign-in-down") res.set("Retry-After", "5");
  res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'").type("html").send(handoffPageHtml(kind, retry));
  return true;
}
