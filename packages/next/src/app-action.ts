import "server-only";
import { headers } from "next/headers";
import { getFleet } from "./fleet";
import { getCurrentSession, getViewer } from "./dal";
import { messages } from "./messages";
import type { AppSession } from "./session";
import type { User } from "./session";

/**
 * Whether a server action's request comes from an exact origin of APP_ORIGINS (scheme, host, port), as the
 * route handlers' CSRF check wants: Next.js itself only checks that the Origin's host is the request's.
 */
export async function fromFleet(): Promise<boolean> {
  return (await originRefusal()) === undefined;
}

/** Why this action's request is refused (its Origin is not one of APP_ORIGINS, both named), or undefined when it is not. */
export async function originRefusal(): Promise<string | undefined> {
  return getFleet().originRefusal(await headers());
}

/** Why `ironlink.action()` did not run the work, with a message to show the person. */
export interface ActionRefusal {
  ok: false;
  error: "forbidden_origin" | "unauthenticated" | "unavailable";
  message: string;
}

/** What `ironlink.action(work)` returns: the work's value, or why it did not run. */
export type ActionResult<R> = { ok: true; value: R } | ActionRefusal;

/**
 * Runs an app's own server action with the signed-in user's session, after the checks every kit action makes:
 * the request comes from the fleet (CSRF), someone is signed in, and the store answers (a message, not a 500).
 */
export async function runAppAction<T extends object, R>(work: (session: AppSession<T>, user: User) => Promise<R>): Promise<ActionResult<R>> {
  const refused = await originRefusal();
  if (refused) return { ok: false, error: "forbidden_origin", message: refused };
  const viewer = await getViewer();
  if (viewer.status === "unavailable") return { ok: false, error: "unavailable", message: messages.sessionStoreDown };
  if (viewer.status !== "signed-in") return { ok: false, error: "unauthenticated", message: messages.signInFirst };
  // The same session getViewer read (cached per request), typed with the app's own fields.
  return { ok: true, value: await work((await getCurrentSession()) as AppSession<T>, viewer.user) };
}
