import { fleetPaths } from "@ironlink/session/fleet";
import { getConfig } from "../../config";
import { getViewer } from "../../dal";
import { requestNonce } from "../../request-nonce";

/**
 * Loads the live sign-out script (docs/live-signout.md) on every page of a signed-in viewer, so a tab left
 * open hears of its session's end wherever it is, whatever the page is made of. AppLayout renders it; an app
 * with a root layout of its own renders it once there. Anonymous pages and an app with IRONLINK_LIVE_SIGNOUT
 * off get nothing.
 */
export async function LiveSignOut() {
  if (!getConfig().liveSignOut) return null;
  // Cached per request: the page's own requireUser() or getViewer() reads the same answer.
  if ((await getViewer()).status !== "signed-in") return null;
  return <script src={fleetPaths.script} nonce={await requestNonce()} async />;
}
