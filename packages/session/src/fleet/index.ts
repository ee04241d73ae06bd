/**
 * `@ironlink/session/fleet`: one configuration for every app of a fleet, read from the environment, and the
 * fleet instance built from it, which every kit serves and checks through. Any server uses it the same way:
 *
 *   const fleet = createFleet({ appName: "billing" });
 *   await fleet.checkSettings();          // refuses to start if this app disagrees with the fleet
 *   const session = await fleet.sessions.getSession(req, res);
 *   session.user?.username;               // Fleet.SessionData, as the sign-in app wrote it
 *
 * The public names: what an app or a kit calls. The flows' internals (hand-off, live streams, the return
 * address rules) stay inside, reached through the fleet instance (`fleet.handle`, `fleet.returnAddress`, …).
 */
import { livePaths } from "../live";
import { storeOutage, storeOutagePage } from "./outage";
import { safeNextPath } from "./return-address";
import { accountPaths } from "./account-routes";
import { healthPath } from "./routes";
import { callbackPath, cancelUrl, startPath, startUrl } from "./satellite";
import { maxBodyBytes, securityHeaders, selfContainedPolicy, staticAssetHeaders } from "./security-headers";
import { describeMethods, factorCount } from "./accounts/factors/sign-in-methods";

export { createFleet, type Fleet } from "./fleet";
export { readFleetConfig, FleetConfigError } from "./config";
export { FleetMismatchError } from "./settings-check";
export { processWide } from "../process-wide";

/** The paths of the routes every app of the fleet serves (fleet.handle), and the local addresses it sends people to. */
export const fleetPaths = {
  /** GET: 200 while the store answers, 503 while not (a load balancer's check). */
  health: healthPath,
  /** GET: the live sign-out event stream of a signed-in page. */
  events: livePaths.events,
  /** GET: the live sign-out script a page loads. */
  script: livePaths.script,
  /** GET: a satellite's start of the cross-site sign-in. */
  start: startPath,
  /** GET: a satellite's end of it, with the one-time code. */
  callback: callbackPath,
  /** The account API, for a kit that hosts it (`accounts` in fleet.handle's context): POST login, login/code, register, logout; GET session, migrate. */
  ...accountPaths,
  /** A satellite's start address for `next` (a path of the app). */
  startUrl,
  /** The sign-in page's "Cancel" for a satellite's `next`: back there, which then knows the person chose not to sign in. */
  cancelUrl,
  /** `value` if it is a path of this app (open redirects refused, whatever their spelling), else `fallback` ("/"). */
  safeNext: safeNextPath,
} as const;

/** The HTTP rules every app of the fleet answers by, whatever its framework: one home for each. */
export const fleetHttp = {
  /** The headers of one answer, with its Content-Security-Policy; HSTS when `secure`. */
  securityHeaders,
  /** The policy of an answer that loads and runs nothing: JSON, the fleet's small pages. */
  selfContainedPolicy,
  /** The headers even a static asset gets. */
  staticAssetHeaders,
  /** The most any app of the fleet reads of a request body. */
  maxBodyBytes,
  /** What a person is told while the store does not answer (title, message, retryAfterSeconds). */
  outage: storeOutage,
  /** The outage's self-contained 503 page; its one <style> carries `nonce`. */
  outagePage: storeOutagePage,
} as const;

/** How a session's person signed in (`Fleet.SessionData.amr`), read the same by every kit. */
export const authMethods = {
  /** "password and authentication code": for a list of sessions. */
  describe: describeMethods,
  /** 2 when the session's sign-in (or a step-up since) used two factors, else 1: `requireUser({ factors: 2 })`. */
  factorCount,
} as const;
