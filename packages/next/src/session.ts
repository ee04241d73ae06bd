import "server-only";
import type { cookieStoreWithHeader, IronSession, SessionManager } from "@ironlink/session";
import type { Fleet } from "@ironlink/session/fleet";
import { getFleet } from "./fleet";

/** What an Ironlink app keeps in a session (the fleet's shape, documented in @ironlink/session/fleet). Never a password. */
export type SessionData = Fleet.SessionData;

/** The signed-in person: `{ id, username }`. */
export type User = Fleet.User;

/**
 * The request's session: the fleet's fields and the app's own (`createIronlink<AppData>()`), every field
 * optional on read, as iron-session's `IronSession<T>`.
 */
export type AppSession<AppData extends object = NoAppData> = IronSession<SessionData & AppData>;

/** The default of `createIronlink<AppData>()`: no fields of the app's own. */
export type NoAppData = Record<never, never>;

/** The session manager every app derives from the same environment, so their cookies and seals agree. */
export function sessions(): SessionManager<SessionData> {
  return getFleet().sessions;
}

export function openSession(cookies: Parameters<typeof cookieStoreWithHeader>[0]): Promise<AppSession> {
  return sessions().getSession(cookies);
}
