import "server-only";
import { type CookieStore, createSessionManager, type Session, type SessionManager } from "@ironlink/session";
import { getConfig } from "./config";
import { getStorage } from "./storage";
import type { User } from "./users";

/** What an Ironlink app keeps in a session. Never a password. */
export interface SessionData {
  user: User;
  /** Epoch milliseconds of the sign-in. */
  signedInAt: number;
  /** The app the person signed in on, and the browser they used: shown on the account page. */
  signedInOn: string;
  userAgent: string;
}

export type AppSession = Session<SessionData>;

let manager: SessionManager<SessionData> | undefined;
/** The session manager every app derives from the same environment, so their cookies and seals agree. */
export function sessions(): SessionManager<SessionData> {
  if (manager) return manager;
  const config = getConfig();
  manager = createSessionManager<SessionData>({
    password: config.sessionPassword,
    cookieName: config.cookieName,
    ttl: config.sessionTtl,
    idleTimeout: config.idleTimeout,
    absoluteTimeout: config.absoluteTimeout,
    cookieOptions: { domain: config.cookieDomain, secure: config.cookieSecure, httpOnly: true, sameSite: "lax", path: "/" },
    store: getStorage().sessions,
    userId: (data) => (data as Partial<SessionData>).user?.id,
    legacyCookies: config.migrateIronSessionCookies ? "migrate" : "ignore",
  });
  return manager;
}

export function openSession(cookies: CookieStore): Promise<AppSession> {
  return sessions().getSession(cookies);
}
