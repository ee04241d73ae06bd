import "server-only";
import type { CookieStore, Session, SessionManager } from "@ironlink/session";
import type { FleetSessionData } from "@ironlink/session/fleet";
import { getFleet } from "./fleet";

/** What an Ironlink app keeps in a session (the fleet's shape, documented in @ironlink/session/fleet). Never a password. */
export type SessionData = FleetSessionData;

export type AppSession = Session<SessionData>;

/** The session manager every app derives from the same environment, so their cookies and seals agree. */
export function sessions(): SessionManager<SessionData> {
  return getFleet().sessions;
}

export function openSession(cookies: CookieStore): Promise<AppSession> {
  return sessions().getSession(cookies);
}
