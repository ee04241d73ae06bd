import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { cookieStoreWithHeader, type SessionManager, SessionStoreUnavailableError, sessionInfo } from "@ironlink/session";
import { authMethods, type Fleet } from "@ironlink/session/fleet";
import { getFleet, storeIsDown } from "./fleet";
import { noteStoreUnavailable } from "./server/store-outage";
import type { ResolvedOptions } from "./options";
import { secondFactorLocation, signInLocation } from "./sign-in-location";
import { type AppSession, openSession, type SessionData, sessions } from "./session";
import type { User } from "./session";

const storeDownError = () => new SessionStoreUnavailableError("ironlink: the session store did not answer.");

/**
 * The data-access layer: every page, server action and app's own route handler reads the session through
 * here, so the check that matters (the session exists in the store) is never skipped. Cached per request.
 * (The kit's API reads it in the fleet's routes: fleet.handle.)
 */
export const getCurrentSession = cache(async (): Promise<AppSession> => {
  try {
    // Known down: fail at once (the 503 page, a form's message) rather than wait out the store's timeout.
    if (storeIsDown()) throw storeDownError();
    // The raw Cookie header, since Next keeps one value per name: a planted second cookie must be seen, not win.
    return await openSession(cookieStoreWithHeader(await cookies(), (await headers()).get("cookie")));
  } catch (error) {
    // A page that met the outage before the proxy knew of it is answered with the 503 page (server/store-outage.ts).
    if (error instanceof SessionStoreUnavailableError) noteStoreUnavailable();
    throw error;
  }
});

export type Viewer =
  | { status: "signed-in"; user: User; publicId: string | undefined }
  /** Carries a stateless iron-session cookie that must be moved into Redis where cookies can be written. */
  | { status: "legacy" }
  /** Had a session that timed out or was ended elsewhere. */
  | { status: "expired" }
  | { status: "anonymous" }
  /** Redis does not answer: we cannot tell, and must not pretend the user is signed out. */
  | { status: "unavailable" };

/** Who is asking. Pages render from this. */
export const getViewer = cache(async (): Promise<Viewer> => {
  try {
    const session = await getCurrentSession();
    const { state, publicId } = sessionInfo(session);
    if (state === "legacy") return { status: "legacy" };
    if (session.user) return { status: "signed-in", user: session.user, publicId };
    return { status: state === "expired" ? "expired" : "anonymous" };
  } catch (error) {
    if (error instanceof SessionStoreUnavailableError) return { status: "unavailable" };
    throw error;
  }
});

/** The signed-in user's sessions for the account page; null when Redis stops answering mid-request (a 500 otherwise). */
export async function listOwnSessions(user: User): Promise<SessionManager.ListedSession<SessionData>[] | null> {
  try {
    return await sessions().listSessions(user.id);
  } catch (error) {
    if (!(error instanceof SessionStoreUnavailableError)) throw error;
    noteStoreUnavailable();
    return null;
  }
}

/** What a page asks of its visitor beyond being signed in: `factors: 2`, a sign-in (or a step-up since) with two factors. */
export interface UserRequirement {
  /** Where to come back to after signing in (default "/"). */
  path?: string;
  factors?: 1 | 2;
}

/** A person's passkeys and two-step verification for the account pages; null when the store stops answering mid-request (a 500 otherwise). */
export async function readSignInMethods(userId: string): Promise<Awaited<ReturnType<Fleet["accounts"]["signInMethods"]>> | null> {
  try {
    return await getFleet().accounts.signInMethods(userId);
  } catch (error) {
    if (!(error instanceof SessionStoreUnavailableError)) throw error;
    noteStoreUnavailable();
    return null;
  }
}

/**
 * The signed-in user, for a page, server action or route handler that needs one. Anyone else is sent to
 * sign in and brought back to `path`; a stateless iron-session cookie is moved into the store first. With
 * `factors: 2`, a person signed in with one factor is sent to the sign-in app to add a second (a code or a
 * passkey) and brought back. While the store does not answer, throws SessionStoreUnavailableError (the 503
 * page, or for a handler to answer).
 */
export async function requireUser(options: ResolvedOptions, requirement: string | UserRequirement = {}): Promise<User> {
  const { path = "/", factors = 1 } = typeof requirement === "string" ? { path: requirement } : requirement;
  const viewer = await getViewer();
  if (viewer.status === "signed-in") {
    if (factors === 1 || authMethods.factorCount((await getCurrentSession()).amr) === 2) return viewer.user;
    redirect(await secondFactorLocation(options, path));
  }
  if (viewer.status === "unavailable") throw storeDownError();
  if (viewer.status === "legacy") redirect(`/api/session/migrate?next=${encodeURIComponent(path)}`);
  redirect(signInLocation(options, path));
}
