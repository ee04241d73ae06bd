import "server-only";
import { getFleet } from "./fleet";

/**
 * Where a signed-in person goes from the sign-in page: `next` if the fleet's cookie reaches it (this app, or
 * another on the same host or cookie domain), or, for an app on another site, that app's callback with a
 * one-time code for this session, bound to its origin and to `challenge`. Off the fleet: "/".
 */
export async function destinationAfterSignIn(session: object, next: unknown, challenge: unknown): Promise<string> {
  const { url } = getFleet().returnAddress(next);
  if (url.startsWith("/")) return url;
  const target = new URL(url);
  if (getFleet().sharesSignInCookie(target.origin)) return url;
  return getFleet().returnToSatellite(session, { next: target, challenge });
}

/**
 * The app a sign-in goes back to when that is another app than the one serving it (`here`, its Host): the
 * name that app recorded (fleet.nameApp, from its publicUrl), else its host; or undefined. `next` is checked
 * as destinationAfterSignIn checks it, so it is always an app of APP_ORIGINS, never text the link chose.
 * Shown on the sign-in page, and recorded as the session's `signedInOn`: the app the person was using.
 */
export async function otherAppName(next: unknown, here: string | null | undefined): Promise<string | undefined> {
  const { url } = getFleet().returnAddress(next);
  if (url.startsWith("/")) return undefined;
  const { host, origin } = new URL(url);
  if (host === here) return undefined;
  // A store that does not answer costs only the name: the host is as true.
  return (await getFleet().appNameAt(origin).catch(() => undefined)) ?? host;
}
