import "server-only";
import { getConfig } from "./config";
import { getCurrentSession, getViewer, listOwnSessions, requireUser, type UserRequirement, type Viewer } from "./dal";
import type { AuthFormState } from "./form-state";
import { type FormName, submitForm } from "./forms";
import { createHandlers } from "./handlers";
import { type ActionResult, runAppAction } from "./app-action";
import { type IronlinkOptions, resolveOptions, type VerifyCredentials } from "./options";
import { createProxy } from "./proxy";
import { type AppSession, type NoAppData, type SessionData, sessions } from "./session";
import { startupCheck } from "./startup-check";
import type { User } from "./session";

/**
 * `@ironlink/next`: everything a Next.js app of the fleet needs, from one call in `lib/ironlink.ts`:
 *
 *   export const ironlink = createIronlink({ verifyCredentials, registration: false });
 *
 * Every part of the app that needs it imports that instance: proxy.ts (`ironlink.proxy`), the API route
 * (`ironlink.handlers`), the pages (the kit's pages take it as a prop) and the app's server actions
 * (`ironlink.submitForm`). Each bundle Next builds evaluates lib/ironlink.ts, so each has the same options.
 *
 * `AppData` types the fields the app keeps in the fleet's shared session beside the fleet's own (which it
 * may not redefine): `createIronlink<{ theme: "light" | "dark" }>()` makes `session.theme` a
 * `"light" | "dark" | undefined` in `getCurrentSession()` and `action()`. Each app of the fleet that reads a
 * field declares it the same way.
 *
 * The fleet's shared settings come from the environment (`@ironlink/session/fleet`); the options are what
 * this app may choose. Pages, server actions, route handlers and the proxy all read through the same
 * data-access layer, so the check that matters (the session exists in the store) is never skipped.
 */
export function createIronlink<AppData extends OwnFields<AppData> = NoAppData>(options: IronlinkOptions = {}) {
  const resolved = resolveOptions(options);
  return {
    /** The options with their defaults, as every part of the kit reads them. */
    options: resolved,
    /** Who is asking: signed-in (with the user), anonymous, expired, legacy or unavailable. Cached per request. */
    getViewer,
    /**
     * The signed-in user, or a redirect to sign in and back to `path`: `requireUser("/reports")`, or
     * `requireUser({ path: "/billing", factors: 2 })` for a page that needs a sign-in with two factors.
     */
    requireUser: (requirement?: string | UserRequirement) => requireUser(resolved, requirement),
    /** The request's session (the fleet's fields and AppData's), for reading or saving your own fields. Cached per request. */
    getCurrentSession: getCurrentSession as () => Promise<AppSession<AppData>>,
    /**
     * For your own server actions: runs `work` with the signed-in user's session once the request has passed
     * the kit's checks (an origin of APP_ORIGINS, someone signed in, the store answering); otherwise returns
     * `{ ok: false, error, message }` with a message for the form. Save with `session.save()`.
     */
    action: <R>(work: (session: AppSession<AppData>, user: User) => Promise<R>) => runAppAction<AppData, R>(work),
    /** The user's sessions across the fleet, for an account page; null while the store does not answer. */
    listOwnSessions,
    /** `export const { GET, POST, OPTIONS } = ironlink.handlers;` in app/api/[...ironlink]/route.ts. */
    handlers: createHandlers(resolved),
    /** `export const { proxy } = ironlink;` in proxy.ts: the optimistic proxy (headers, nonce, fast 503, sign-in redirect). */
    proxy: createProxy(resolved),
    /**
     * The kit's forms (sign in, create an account, change the password, end a session), for the app's
     * "use server" file to export: the pages bind it to each form.
     */
    submitForm: (form: FormName, state: AuthFormState, data: FormData) => submitForm(resolved, form, state, data),
    /** For instrumentation.ts: checks the configuration and the fleet's settings at start, and stops the server with what to fix. */
    register: () => startupCheck(resolved),
    /** The fleet's settings and the sign-in limits, as read from the environment. */
    config: getConfig,
    /** The session manager: listSessions, revokeSession, revokeUserSessions. */
    sessions,
  };
}

/**
 * The app's own session fields: any object type whose keys are not the fleet's (`user`, `signedInAt`, …),
 * which the sign-in app writes and every app reads.
 */
type OwnFields<AppData> = object & { [Field in keyof AppData]: Field extends keyof SessionData ? never : AppData[Field] };

export type Ironlink<AppData extends OwnFields<AppData> = NoAppData> = ReturnType<typeof createIronlink<AppData>>;

/** The kit's types, as `Ironlink.User`, `Ironlink.Viewer` and so on. */
export declare namespace Ironlink {
  /** The signed-in person: `{ id, username }`. */
  type User = KitUser;
  /** Who is asking (getViewer): signed-in (with the user), anonymous, expired, legacy or unavailable. */
  type Viewer = KitViewer;
  /** createIronlink's options. */
  type Options = IronlinkOptions;
  /** Your own users' check, the `verifyCredentials` option. */
  type VerifyCredentials = KitVerifyCredentials;
  /** The request's session: the fleet's fields and the app's own (AppData). */
  type Session<AppData extends object = NoAppData> = AppSession<AppData>;
  /** The fleet's fields of a session (user, signedInAt, signedInOn, userAgent, seenOn). */
  type SessionData = KitSessionData;
  /** What `ironlink.action(work)` returns: the work's value, or why it did not run. */
  type ActionResult<R> = KitActionResult<R>;
  /** The app's own session fields, as createIronlink's type argument takes them. */
  type AppFields<AppData> = OwnFields<AppData>;
}

// Aliases for the namespace, whose own names would shadow the modules' inside it.
type KitUser = User;
type KitViewer = Viewer;
type KitVerifyCredentials = VerifyCredentials;
type KitSessionData = SessionData;
type KitActionResult<R> = ActionResult<R>;

export type { IronlinkOptions } from "./options";
