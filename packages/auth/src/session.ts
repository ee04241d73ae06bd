import "server-only";
import { type CookieStore, getSession, RedisStore, type Session, type SessionOptions } from "@ironlink/session";
import { getConfig } from "./config";
import { getRedis } from "./redis";
import type { User } from "./users";

/** What an Ironlink app keeps in a session. Never a password. */
export interface SessionData {
  user: User;
  /** Epoch milliseconds of the sign-in. */
  signedInAt: number;
}

export type AppSession = Session<SessionData>;

let options: SessionOptions | undefined;
/** The session options every app derives from the same environment, so their cookies and seals agree. */
export function sessionOptions(): SessionOptions {
  const config = getConfig();
  options ??= {
    password: config.sessionPassword,
    cookieName: config.cookieName,
    ttl: config.sessionTtl,
    cookieOptions: { domain: config.cookieDomain, secure: config.cookieSecure, httpOnly: true, sameSite: "lax", path: "/" },
    store: new RedisStore({ client: getRedis() }),
  };
  return options;
}

export function openSession(cookies: CookieStore): Promise<AppSession> {
  return getSession<SessionData>(cookies, sessionOptions());
}
