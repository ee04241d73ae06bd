/**
 * The contender of issue 25's first goal: oidc-provider on its own in-memory adapter, configured as close as
 * the bench can to the fleet's provider (packages/session/src/fleet/oidc/provider.ts, which it may not
 * change): the same protocol settings (protocol.ts: lifetimes, scopes, claims, routes, features), clients
 * (with the same defaults added) and keys; the same auto-grant (no consent) and the same interaction (the
 * fleet session's sign-in, no prompt); findAccount giving the same claims.
 *
 * What differs, beside the adapter: the grant is not bound to its fleet session (no "GrantSession" record, no
 * liveness check on Grant.find), the profile behind preferred_username is kept in this process's memory, the
 * client's sign-in is not recorded for back-channel logout, no watcher of session ends runs, and errors and
 * logout pages are oidc-provider's own. None of those is on the token endpoint except the liveness check,
 * which is the adapter's (ours does it on every Grant.find): it is part of what is measured.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fleet } from "@ironlink/session/fleet";
import { isOidcPath } from "@ironlink/session/oidc";
import Provider, { type Configuration, type InteractionResults, type KoaContextWithOIDC } from "oidc-provider";
// The fleet provider's own protocol settings, from the session package's build (no export of the package).
import { fleetPolicy, protocolSettings } from "../../packages/session/dist/fleet/oidc/protocol.js";

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;
type FleetView = { user: Fleet.User; signedInAt: number };

const interactionPath = "/oidc/interaction/";

export async function createMemoryProvider(fleet: Fleet) {
  const { config } = fleet;
  const jwks = config.oidc.jwks;
  if (!jwks) throw new Error("the memory contender needs IRONLINK_OIDC_JWKS, as the fleet's provider is given it");
  const alg = jwks.keys[0]?.alg ?? "RS256";
  const clients = config.oidc.clients.map((client) => ({ id_token_signed_response_alg: alg, require_auth_time: true, ...client }));
  const views = fleetViews(fleet);
  /** What saveProfile keeps in the fleet's store: the username behind each account id. */
  const profiles = new Map<string, string>();
  const provider = new Provider(config.loginUrl, {
    ...protocolSettings(clients, jwks, config.absoluteTimeout),
    // No `adapter`: oidc-provider's own MemoryAdapter (an LRU cache in this process).
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, preferred_username: profiles.get(sub) ?? sub }) }),
    loadExistingGrant: (ctx) => grantFor(ctx),
    interactions: { url: (_ctx, interaction) => `${interactionPath}${interaction.uid}`, policy: fleetPolicy(views) },
    // Cookies signed as ours are (one HMAC key), their secure flag as the fleet's.
    cookies: { keys: [randomBytes(32)], long: { httpOnly: true, sameSite: "lax", secure: config.cookieSecure }, short: { httpOnly: true, sameSite: "lax", secure: config.cookieSecure } },
  } as Configuration);
  provider.use(interactionRoute(provider, fleet, views, profiles));
  const callback = provider.callback();
  return {
    handles: isOidcPath,
    handle: (req: IncomingMessage, res: ServerResponse) => void callback(req, res),
    close: async () => {},
  };
}


/** The fleet session a request carries, read once per request (interaction.ts's fleetViews, less the public id). */
function fleetViews(fleet: Fleet) {
  const read = new WeakMap<IncomingMessage, Promise<FleetView | undefined>>();
  const view = async (req: IncomingMessage, res: ServerResponse): Promise<FleetView | undefined> => {
    const session = await fleet.sessions.getSession(req, res);
    const user = fleet.userOf(session.user);
    if (!user || typeof session.signedInAt !== "number") return undefined;
    return { user, signedInAt: Math.floor(session.signedInAt / 1000) };
  };
  return (ctx: KoaContextWithOIDC): Promise<FleetView | undefined> => {
    let seen = read.get(ctx.req);
    if (!seen) {
      seen = view(ctx.req, ctx.res);
      read.set(ctx.req, seen);
    }
    return seen;
  };
}

type FleetViews = ReturnType<typeof fleetViews>;

/** provider.ts's grantFor, less the binding to the fleet session: the client gets what it asked, no consent screen. */
async function grantFor(ctx: KoaContextWithOIDC) {
  const { client, session, provider } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;
  const existing = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  const found = existing ? await provider.Grant.find(existing) : undefined;
  if (found) return found;
  const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  grant.addOIDCScope([...(ctx.oidc.requestParamOIDCScopes ?? ["openid"])].join(" "));
  await grant.save();
  return grant;
}

/** interaction.ts's interactionRoute: signed in to the fleet, straight back with that sign-in; else to /login. */
function interactionRoute(provider: Provider, fleet: Fleet, views: FleetViews, profiles: Map<string, string>): Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(interactionPath)) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res).catch(() => undefined);
    if (!details || details.uid !== ctx.path.slice(interactionPath.length)) {
      ctx.status = 400;
      ctx.body = "session_not_found";
      return;
    }
    const view = await views(ctx);
    if (!view) {
      ctx.redirect(`${new URL("/login", fleet.config.loginUrl).href}?next=${encodeURIComponent(ctx.path)}`);
      ctx.status = 303;
      return;
    }
    profiles.set(view.user.id, view.user.username);
    const result: InteractionResults = { login: { accountId: view.user.id, ts: view.signedInAt, amr: ["pwd"], remember: false } };
    if (details.prompt.name === "consent") {
      const grant = new provider.Grant({ accountId: view.user.id, clientId: String(details.params.client_id) });
      grant.addOIDCScope(((details.prompt.details as { missingOIDCScope?: string[] }).missingOIDCScope ?? ["openid"]).join(" "));
      result.consent = { grantId: await grant.save() };
    }
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
    ctx.status = 303;
  };
}
