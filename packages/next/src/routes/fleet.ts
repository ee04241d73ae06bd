import { getFleet } from "../fleet";
import { apiRoute, jsonError } from "../http";
import { currentClientAddress } from "../server/client-address";

/**
 * The fleet's own routes (health, the cross-site sign-in's start and callback, live sign-out's stream and script),
 * served by the fleet instance as they are in every kit. What it does not serve here, the cross-site sign-in
 * of an app that shares the sign-in app's cookie, is a 404 that says why.
 */
export const fleetRoute = apiRoute(async (request, { publicUrl }) => {
  const answer = await getFleet().handle(request, { publicUrl, clientAddress: currentClientAddress() });
  return answer ?? jsonError(404, "not_found", "This app shares the sign-in app's cookie: it needs no cross-site sign-in.");
});
