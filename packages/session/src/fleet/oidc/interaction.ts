import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import type { InteractionResults, KoaContextWithOIDC } from "oidc-provider";
import { sessionInfo } from "../../session";
import type { Fleet } from "../fleet";
import { selfContainedPolicy } from "../security-headers";
import { errorPage } from "./pages";
import { interactionPath } from "./paths";
import type { Profiles } from "./profiles";
import type { SignIns } from "./sign-ins";
import { methodsOf } from "../accounts/factors/sign-in-methods";

/** Koa's middleware, as oidc-provider's `use` takes it. */
type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

/** The fleet session a request carries: its user, its public id and when it signed in (epoch seconds). */
export interface FleetView {
  user: Fleet.User;
  publicId: string;
  signedInAt: number;
  /** How the person signed in (RFC 8176 values), the ID token's `amr`. */
  amr: string[];
}

export type FleetViews = (ctx: KoaContextWithOIDC) => Promise<FleetView | undefined>;

/** Reads the fleet session once per request, however many of the provider's steps ask. */
export function fleetViews(fleet: Fleet): FleetViews {
  const read = new WeakMap<IncomingMessage, Promise<FleetView | undefined>>();
  const view = async (req: IncomingMessage, res: ServerResponse): Promise<FleetView | undefined> => {
    const session = await fleet.sessions.getSession(req, res);
    const user = fleet.userOf(session.user);
    const { publicId } = sessionInfo(session);
    if (!user || !publicId || typeof session.signedInAt !== "number") return undefined;
    return { user, publicId, signedInAt: Math.floor(session.signedInAt / 1000), amr: methodsOf(session.amr) };
  };
  return (ctx) => {
    let seen = read.get(ctx.req);
    if (!seen) {
      seen = view(ctx.req, ctx.res);
      read.set(ctx.req, seen);
    }
    return seen;
  };
}

export function renderPage(ctx: KoaContextWithOIDC, html: string, status: number | undefined): void {
  ctx.type = "html";
  ctx.set("Content-Security-Policy", selfContainedPolicy);
  ctx.set("Cache-Control", "no-store");
  if (status) ctx.status = status;
  ctx.body = html;
}

function seeOther(ctx: KoaContextWithOIDC, location: string): void {
  ctx.redirect(location);
  ctx.status = 303;
}

interface InteractionParts {
  views: FleetViews;
  profiles: Profiles;
  signIns: SignIns;
}

/**
 * GET `/oidc/interaction/:uid`, where oidc-provider sends a browser that must sign in: signed in to the fleet,
 * it goes straight back with the fleet session's sign-in (no prompt, no consent); otherwise to the fleet's
 * sign-in page, which returns here.
 */
export function interactionRoute(provider: Provider, fleet: Fleet, parts: InteractionParts): Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(interactionPath)) return next();
    if (ctx.method !== "GET" && ctx.method !== "HEAD") {
      ctx.set("Allow", "GET, HEAD");
      return renderPage(ctx, errorPage({ error: "invalid_request", error_description: "use GET" }), 405);
    }
    const details = await provider.interactionDetails(ctx.req, ctx.res).catch(() => undefined);
    if (!details || details.uid !== ctx.path.slice(interactionPath.length)) return renderPage(ctx, errorPage({ error: "session_not_found" }), 400);
    const view = await parts.views(ctx);
    if (!view) {
      const login = new URL("/login", fleet.config.loginUrl);
      login.searchParams.set("next", ctx.path);
      return seeOther(ctx, login.href);
    }
    await parts.profiles.save(view.user);
    const result: InteractionResults = { login: { accountId: view.user.id, ts: view.signedInAt, amr: view.amr, remember: false } };
    if (details.prompt.name === "consent") result.consent = { grantId: await consentGrant(provider, details, view, parts.signIns) };
    seeOther(ctx, await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
  };
}

/** A consent prompt (a native client always asks): the grant covers what the client asked, bound to the fleet session. */
async function consentGrant(provider: Provider, details: Awaited<ReturnType<Provider["interactionDetails"]>>, view: FleetView, signIns: SignIns): Promise<string> {
  const clientId = String(details.params.client_id);
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId: view.user.id, clientId });
  const missing = (details.prompt.details as { missingOIDCScope?: string[] }).missingOIDCScope ?? [];
  if (missing.length > 0) grant.addOIDCScope(missing.join(" "));
  const grantId = await grant.save();
  await signIns.bindGrant(grantId, view.publicId);
  return grantId;
}

/** After a code is issued: the client's sign-in recorded under the fleet session, for its end to reach. */
export function recordSignIns(views: FleetViews, signIns: SignIns): Middleware {
  return async (ctx, next) => {
    await next();
    const { route, session, client, entities } = ctx.oidc ?? {};
    if ((route !== "authorization" && route !== "resume") || !entities?.AuthorizationCode || !session?.accountId || !client) return;
    const view = await views(ctx);
    const grantId = session.grantIdFor(client.clientId);
    const sid = session.sidFor(client.clientId);
    if (!view || !grantId || !sid || view.user.id !== session.accountId) return;
    await signIns.record(view.publicId, { clientId: client.clientId, sid, accountId: session.accountId, grantId });
  };
}

/**
 * RP-initiated logout, confirmed with "Sign out": oidc-provider has ended its session and told that session's
 * clients; then the fleet session ends too (every app, every open tab), and its other clients hear of it.
 */
export function endFleetSessionOnLogout(fleet: Fleet, views: FleetViews, signIns: SignIns): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== "end_session_confirm" || ctx.status !== 303 || ctx.oidc.params?.logout !== "yes") return;
    const view = await views(ctx);
    if (!view) return;
    const told = new Set(Object.values(ctx.oidc.session?.authorizations ?? {}).map((authorization) => authorization.sid));
    // The provider told its session's clients already: take those sign-ins off before the fleet's end tells the rest.
    const rest = (await signIns.take(view.publicId)).filter((signIn) => !told.has(signIn.sid));
    for (const signIn of rest) await signIns.record(view.publicId, signIn);
    await fleet.sessions.revokeSession(view.publicId);
  };
}
