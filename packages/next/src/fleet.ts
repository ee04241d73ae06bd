import { createFleet, type Fleet, fleetHttp, processWide } from "@ironlink/session/fleet";
import { appIdentity } from "./app-identity";
import { getConfig } from "./config";

/**
 * This process's fleet: the shared settings, the session store and manager, and the Redis client. One per
 * process (processWide), so the proxy, the routes and dev-mode reloads reuse it instead of opening more connections.
 */
export function getFleet(): Fleet {
  return processWide("ironlink.next.fleet", () => createFleet({ config: getConfig(), appName: appIdentity.name }));
}

/** How long a client is told to wait while the session store does not answer (the 503's Retry-After). */
export const storeDownRetryAfterSeconds = fleetHttp.outage.retryAfterSeconds;

/** Whether the session store is known to be unreachable right now: no I/O, to answer 503 before doing work. */
export function storeIsDown(): boolean {
  return getFleet().isStoreDown();
}
