import { createFleet, type Fleet, storeOutage } from "@ironlink/session/fleet";
import { getConfig } from "./config";

// One fleet (one Redis client, one session manager) per process; kept on globalThis so dev-mode reloads and
// the proxy reuse it instead of opening more connections.
const globalForFleet = globalThis as typeof globalThis & { __ironlinkFleet?: Fleet };

/** This process's fleet: the shared settings, the session store and manager, and the Redis client. */
export function getFleet(): Fleet {
  globalForFleet.__ironlinkFleet ??= createFleet({ config: getConfig(), appName: process.env.IRONLINK_APP_NAME ?? "a Next.js app" });
  return globalForFleet.__ironlinkFleet;
}

/** How long a client is told to wait while the session store does not answer (the 503's Retry-After). */
export const storeDownRetryAfterSeconds = storeOutage.retryAfterSeconds;

/** Whether the session store is known to be unreachable right now: no I/O, to answer 503 before doing work. */
export function storeIsDown(): boolean {
  return getFleet().isStoreDown();
}
