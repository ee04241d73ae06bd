import "server-only";
import { cookies } from "next/headers";
import { cache } from "react";
import { isSessionStoreUnavailable } from "@ironlink/session";
import { openSession, type AppSession } from "./session";
import type { User } from "./users";

/**
 * The data-access layer: every page, server action and route handler reads the session through here,
 * so the check that matters (the session exists in Redis) is never skipped. Cached per request.
 */
export const getCurrentSession = cache(async (): Promise<AppSession> => openSession(await cookies()));

export type Viewer = { status: "signed-in"; user: User } | { status: "anonymous" } | { status: "unavailable" };

/** Who is asking, or that we cannot tell because Redis is down: pages show a friendly message for that. */
export const getViewer = cache(async (): Promise<Viewer> => {
  try {
    const session = await getCurrentSession();
    return session.user ? { status: "signed-in", user: session.user } : { status: "anonymous" };
  } catch (error) {
    if (isSessionStoreUnavailable(error)) return { status: "unavailable" };
    throw error;
  }
});
