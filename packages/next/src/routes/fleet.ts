import { fleetPaths } from "@ironlink/session/fleet";
import { getFleet, storeIsDown } from "../fleet";
import { apiRoute, jsonError, storeDownResponse } from "../http";
import type { ResolvedOptions } from "../options";
import { currentClientAddress, warnIfAddressUnknown } from "../server/client-address";

/**
 * Every route of the kit's API is the fleet's (`fleet.handle`, the same in every kit): the account API with
 * this app's policy, health, the cross-site sign-in's start and callback, live sign-out's stream and script.
 * A path it does not serve is a 404; the cross-site sign-in of an app that shares the sign-in app's cookie
 * says why. While the store is known to be down, every route but the health check answers 503 at once.
 */
export const fleetRoute = apiRoute(async (request, options) => {
  const path = new URL(request.url).pathname.replace(/\/$/, "");
  if (path !== fleetPaths.health && storeIsDown()) return storeDownResponse();
  const answer = await getFleet().handle(request, fleetContext(options));
  if (answer) return answer;
  if (path === fleetPaths.start || path === fleetPaths.callback) {
    return jsonError(404, "not_found", "This app shares the sign-in app's cookie: it needs no cross-site sign-in.");
  }
  return jsonError(404, "not_found", "There is no such API route.");
});

/** What the fleet's routes need of this app: its origin, the client's address, and its account policy. */
function fleetContext({ publicUrl, verifyCredentials, registration, hostsSignIn }: ResolvedOptions) {
  return {
    publicUrl,
    clientAddress: warnIfAddressUnknown(currentClientAddress()),
    // An app without a sign-in page sends the person home after sign-out, where its pages send them on to the fleet's.
    accounts: { verifyCredentials, registration, publicUrl, afterSignOut: hostsSignIn ? "/login" : "/" },
  };
}
