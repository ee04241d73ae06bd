import "server-only";
import { getConfig } from "./config";
import { getCurrentSession, getViewer, listOwnSessions, requireUser } from "./dal";
import { handlers } from "./handlers";
import { configureIronlink, type IronlinkOptions } from "./options";
import { sessions } from "./session";
import { startupCheck } from "./startup-check";

/**
 * `@ironlink/next`: everything a Next.js app of the fleet needs, from one call in `lib/ironlink.ts`:
 *
 *   export const ironlink = createIronlink({ verifyCredentials, registration: false });
 *
 * The fleet's shared settings come from the environment (`@ironlink/session/fleet`); the options are what
 * this app may choose. Pages, server actions, route handlers and the proxy all read through the same
 * data-access layer, so the check that matters (the session exists in the store) is never skipped.
 */
export function createIronlink(options: IronlinkOptions = {}) {
  configureIronlink(options);
  return {
    /** Who is asking: signed-in (with the user), anonymous, expired, legacy or unavailable. Cached per request. */
    getViewer,
    /** The signed-in user, or a redirect to sign in and back to `path`. */
    requireUser,
    /** The request's session (Session<FleetSessionData>), for reading or saving your own fields. Cached per request. */
    getCurrentSession,
    /** The user's sessions across the fleet, for an account page; null while the store does not answer. */
    listOwnSessions,
    /** `export const { GET, POST, OPTIONS } = ironlink.handlers;` in app/api/[...ironlink]/route.ts. */
    handlers,
    /** For instrumentation.ts: checks the configuration and the fleet's settings at start, and stops the server with what to fix. */
    register: startupCheck,
    /** The fleet's settings and the sign-in limits, as read from the environment. */
    config: getConfig,
    /** The session manager: listSessions, revokeSession, revokeUserSessions. */
    sessions,
  };
}

export type Ironlink = ReturnType<typeof createIronlink>;
export type { IronlinkOptions, VerifyCredentials } from "./options";
export type { Viewer } from "./dal";
export type { AppSession, SessionData } from "./session";
export type { User } from "./users";
export type { IronlinkConfig } from "./config";
export { requireUser, getViewer, getCurrentSession } from "./dal";
