import "server-only";
import { returnToSatellite, safeReturnAddress, sharesSignInCookie } from "@ironlink/session/fleet";
import { getConfig } from "./config";
import { getFleet } from "./fleet";

/**
 * Where a signed-in person goes from the sign-in page: `next` if the fleet's cookie reaches it (this app, or
 * another on the same host or cookie domain), or, for an app on another site, that app's callback with a
 * one-time code for this session, bound to its origin and to `challenge`. Off the fleet: "/".
 */
export async function destinationAfterSignIn(session: object, next: unknown, challenge: unknown): Promise<string> {
  const { url } = safeReturnAddress(next, getConfig().appOrigins);
  if (url.startsWith("/")) return url;
  const target = new URL(url);
  if (sharesSignInCookie(getConfig(), target.origin)) return url;
  return returnToSatellite(getFleet().handoff, session, { next: target, challenge });
}
