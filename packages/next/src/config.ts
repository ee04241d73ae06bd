import { type Fleet, processWide, readFleetConfig } from "@ironlink/session/fleet";

/**
 * The process's configuration, read once from the environment by `readFleetConfig` (the fleet's settings and
 * the sign-in app's budgets: the one place either is read). Throws FleetConfigError with what to fix. One
 * per process (processWide), as the fleet is: instrumentation, the proxy and the routes are bundled apart,
 * and all must see the one object the fleet's settings check may complete (a COOKIE_SECURE left to the fleet).
 */
export function getConfig(): Fleet.Config {
  return processWide("ironlink.next.config", () => readFleetConfig());
}
