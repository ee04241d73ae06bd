/**
 * `@ironlink/express`: an Express 5 app as a member of an Ironlink fleet. It reads the session the fleet's
 * sign-in app wrote (same cookie, same store), sends anonymous visitors to the fleet's sign-in page, refuses
 * cross-site writes, and signs out of every app at once.
 */
import { type IronSession, SessionStoreUnavailableError, sessionInfo } from "@ironlink/session";
import { authMethods, createFleet, type Fleet, fleetHttp, fleetPaths } from "@ironlink/session/fleet";
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from "express";
import { forbiddenOrigin, prefersHtml, refuse, refusals } from "./answers";
import { serveFleetRoute } from "./fleet-routes";
import { absoluteUrl, readPublicUrl, signInUrl } from "./urls";

// What an Express app catches, from the package it installs: the same classes as @ironlink/session's.
export { FleetConfigError, FleetMismatchError } from "@ironlink/session/fleet";
export { SessionStoreUnavailableError } from "@ironlink/session";

declare global {
  namespace Express {
    /** The signed-in person: the fleet's user (`id`, `username`). Shared with passport's `Express.User`. */
    interface User extends Fleet.User {}
    interface Request {
      /** The fleet session, set by `ironlink.session()` (and by `requireUser()` and `signOut()` if it is not yet). */
      session: IronSession<Fleet.SessionData>;
      /** The signed-in person, or undefined for an anonymous visitor (and before the session is read). */
      user?: User | undefined;
    }
  }
}

export interface IronlinkOptions {
  /**
   * The address browsers use for this app: an origin (`https://service.example.com`), optionally with the
   * path it is mounted under. Return addresses are built from it and `req.originalUrl`, never from the Host
   * header. Its origin must be one of APP_ORIGINS, or createIronlink throws. Required.
   */
  publicUrl: string | undefined;
  /** Shown in the fleet's mismatch messages, and by the sign-in page and /account ("You will go back to Billing"). Default: `"an Express app"`. */
  appName?: string;
  /** The fleet to join. Default: `createFleet({ appName, env })`, from the fleet's environment variables. */
  fleet?: Fleet;
  /** Where the default fleet reads its settings. Default: `process.env`. */
  env?: Fleet.Environment;
}

/** `Parameters<Ironlink["signOut"]>[0]`. */
interface SignOutOptions {
  /** End every session of the user, on every device, not just this one. Default: `false`, unless the body asks. */
  everywhere?: boolean;
  /** Where a browser goes afterwards (303). Default: `"/"`. API clients get `{ signedOut: true, everywhere }`. */
  redirectTo?: string;
}

export interface Ironlink {
  /** The fleet: its config, session manager, store and Redis client. */
  fleet: Fleet;
  config: Fleet.Config;
  /** `publicUrl`, checked and without a trailing slash. */
  publicUrl: string;
  /** Before `app.listen`: throws FleetMismatchError when this app's shared settings differ from the fleet's. */
  checkSettings(): Promise<void>;
  /** Reads the session onto `req.session` and the person onto `req.user`; 503 while the store is down. */
  session(): RequestHandler;
  /** Refuses (403) POST, PUT, PATCH and DELETE unless Origin is exactly one of APP_ORIGINS (none: unless cross-site). */
  checkOrigin(): RequestHandler;
  /**
   * Lets signed-in people through; sends a browser to the sign-in page (303), answers anything else 401 JSON.
   * With `{ factors: 2 }`, a person signed in with one factor goes to the sign-in app to add a code or a
   * passkey and comes back (a browser; 403 JSON otherwise).
   */
  requireUser(requirement?: { factors?: 1 | 2 }): RequestHandler;
  /** Ends the session in the store (so in every app), then 303 to `redirectTo` for browsers or JSON for API clients. */
  signOut(options?: SignOutOptions): RequestHandler;
  /**
   * The fleet's security headers on every answer (nosniff, frames refused, Referrer-Policy, HSTS with Secure
   * cookies), with a Content-Security-Policy for server-rendered pages: by default own styles, scripts and
   * connections only (the live sign-out script and its stream), forms to this app and the sign-in app.
   */
  securityHeaders(options?: { contentSecurityPolicy?: string }): RequestHandler;
  /** An error handler: a SessionStoreUnavailableError from your own handlers (a `save()`) becomes the 503. */
  handleStoreErrors(): ErrorRequestHandler;
  /** The fleet's sign-in page, coming back to `returnTo` (an absolute URL, or a path of this app). */
  signInUrl(returnTo: string): string;
  /** Closes the fleet's Redis connection. */
  close(): Promise<void>;
}

// Sign-out posts to this app, then follows redirects on to the sign-in page: form-action covers the chain.
const pagePolicy = (config: Fleet.Config) =>
  `default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self' ${config.loginUrl}; frame-ancestors 'none'; base-uri 'none'`;
const bodyParsers = [express.urlencoded({ extended: false, limit: fleetHttp.maxBodyBytes }), express.json({ limit: fleetHttp.maxBodyBytes })];

export function createIronlink({ appName = "an Express app", env = process.env, publicUrl, fleet }: IronlinkOptions): Ironlink {
  const member = fleet ?? createFleet({ appName, env });
  let checkedUrl: string;
  try {
    checkedUrl = readPublicUrl(publicUrl, member.config);
  } catch (error) {
    // A fleet made here would keep a Redis connection open for nothing.
    if (!fleet) void member.close();
    throw error;
  }
  const app: App = { fleet: member, publicUrl: checkedUrl, ensureSession: sessionLoader(member), toSignIn: signInLocation(member, checkedUrl) };
  return {
    fleet: member,
    config: member.config,
    publicUrl: checkedUrl,
    checkSettings: async () => {
      await member.checkSettings();
      // The sign-in page then says "You will go back to <appName>" rather than this app's host.
      await member.nameApp(checkedUrl, appName);
    },
    session: () =>
      guarded(async (req, res) => {
        if (await serveFleetRoute(member, checkedUrl, req, res)) return false;
        await app.ensureSession(req, res);
        return true;
      }),
    checkOrigin: () => (req, res, next) => {
      const refused = originRefusal(member, req);
      if (refused) refuse(req, res, forbiddenOrigin(refused));
      else next();
    },
    requireUser: ({ factors = 1 } = {}) => requireUserMiddleware(app, factors),
    signOut: (options = {}) => signOutMiddleware(app, options),
    securityHeaders: ({ contentSecurityPolicy = pagePolicy(member.config) } = {}) => {
      const headers = fleetHttp.securityHeaders({ policy: contentSecurityPolicy, secure: member.config.cookieSecure });
      return (_req, res, next) => {
        res.set(headers);
        next();
      };
    },
    handleStoreErrors: () => (error, req, res, next) => {
      if (error instanceof SessionStoreUnavailableError && !res.headersSent) refuse(req, res, refusals.unavailable);
      else next(error);
    },
    signInUrl: app.toSignIn,
    close: () => member.close(),
  };
}

/** What the middleware of one app share. */
interface App {
  fleet: Fleet;
  publicUrl: string;
  /** Reads the session onto `req.session` and `req.user`, once per request. */
  ensureSession(req: Request, res: Response): Promise<IronSession<Fleet.SessionData>>;
  /** The sign-in page, coming back to `returnTo` (an absolute URL, or a path of this app). */
  toSignIn(returnTo: string): string;
}

function sessionLoader(fleet: Fleet): App["ensureSession"] {
  const loaded = new WeakSet<Request>();
  return async (req, res) => {
    if (loaded.has(req)) return req.session;
    // Known down: answer without asking the store.
    if (fleet.isStoreDown()) throw new SessionStoreUnavailableError("ironlink: the session store is down.");
    const session = await fleet.sessions.getSession(req, res);
    // A stateless iron-session cookie is accepted once: saving moves it into the store under a new id.
    if (sessionInfo(session).state === "legacy") await session.save();
    req.session = session;
    req.user = fleet.userOf(session.user);
    loaded.add(req);
    // Answers that depend on who is signed in must not be kept by a shared cache; a handler may override it.
    res.set("Cache-Control", "no-store");
    return session;
  };
}

/** On another site than the sign-in app (a satellite), sign-in starts here and comes back with a one-time code. */
function signInLocation(fleet: Fleet, publicUrl: string): App["toSignIn"] {
  const { config } = fleet;
  const satellite = !fleet.sharesSignInCookie(publicUrl);
  return (returnTo) => {
    const absolute = returnTo.startsWith("/") ? absoluteUrl(publicUrl, returnTo) : returnTo;
    if (!satellite) return signInUrl(config, absolute);
    const { pathname, search, hash } = new URL(absolute);
    return `${new URL(publicUrl).origin}${fleetPaths.startUrl(pathname + search + hash)}`;
  };
}

/** Runs a middleware, answering 503 for a store outage (known ahead, or met on the way). */
function guarded(handle: (req: Request, res: Response) => Promise<boolean>): RequestHandler {
  return async (req, res, next) => {
    let passOn: boolean;
    try {
      passOn = await handle(req, res);
    } catch (error) {
      if (!(error instanceof SessionStoreUnavailableError) || res.headersSent) throw error;
      refuse(req, res, refusals.unavailable);
      return;
    }
    if (passOn) next();
  };
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);
/** Why a state-changing request is refused (its Origin is not one of APP_ORIGINS), or undefined. */
const originRefusal = (fleet: Fleet, req: Request) => (safeMethods.has(req.method) ? undefined : fleet.originRefusal(req.headers));

function requireUserMiddleware(app: App, factors: 1 | 2): RequestHandler {
  return guarded(async (req, res) => {
    const session = await app.ensureSession(req, res);
    const here = absoluteUrl(app.publicUrl, req.originalUrl);
    if (req.user && (factors === 1 || authMethods.factorCount(session.amr) === 2)) return true;
    if (!req.user) {
      if (prefersHtml(req)) res.redirect(303, app.toSignIn(here));
      else refuse(req, res, refusals.unauthenticated);
    } else if (prefersHtml(req)) {
      res.redirect(303, `${app.fleet.config.loginUrl}/login?${new URLSearchParams({ next: here, factors: "2" })}`);
    } else refuse(req, res, refusals.secondFactorRequired);
    return false;
  });
}

function signOutMiddleware(app: App, { everywhere = false, redirectTo = "/" }: SignOutOptions): RequestHandler {
  return guarded(async (req, res) => {
    // Checked here too: a forced sign-out from another site is refused even without checkOrigin().
    const refused = originRefusal(app.fleet, req);
    if (refused) {
      refuse(req, res, forbiddenOrigin(refused));
      return false;
    }
    const asked = await readSignOutBody(req, res);
    const session = await app.ensureSession(req, res);
    const all = everywhere || asked;
    if (all && req.user) await app.fleet.sessions.revokeUserSessions(req.user.id);
    await session.destroy();
    req.user = undefined;
    res.set("Clear-Site-Data", '"cookies"');
    if (req.is("application/x-www-form-urlencoded") || prefersHtml(req)) res.redirect(303, redirectTo);
    else res.json({ signedOut: true, everywhere: all });
    return false;
  });
}

/**
 * Whether the sign-out body asks to end every session: `{"everywhere": true}`, or the form field
 * `scope=everywhere` (the fleet's "Sign out everywhere" button). At most 16 kB is read; a body that is too
 * large or cannot be parsed is a plain sign-out, never an error.
 */
async function readSignOutBody(req: Request, res: Response): Promise<boolean> {
  for (const parse of bodyParsers) {
    if (req.body !== undefined) break;
    const failed = await new Promise<boolean>((resolve) => parse(req, res, (error?: unknown) => resolve(error !== undefined)));
    if (failed) return false;
  }
  const body: unknown = req.body;
  if (typeof body !== "object" || body === null) return false;
  const fields = body as Record<string, unknown>;
  return fields.everywhere === true || fields.scope === "everywhere";
}
