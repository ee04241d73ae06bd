import { hkdfSync } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { normalizePasswords } from "../../options";
import { closeRedisClient, createRedisClient } from "../../stores/redis-client";
import { RedisStore } from "../../stores/redis-store";
import type { SessionStore } from "../../stores/session-store";
import { FleetConfigError } from "../config";
import type { Fleet } from "../fleet";
import type { OidcClient } from "../oidc-settings";
import { fleetAdapter } from "./adapter";
import { createDeliveries, deliveringFetch } from "./delivery";
import { signingKeys } from "./keys";
import { errorPage } from "./pages";
import { interactionPath, oidcPrefix } from "./paths";
import { fileRecords, type OidcRecords, redisRecords } from "./records";
import { endFleetSessionOnLogout, type FleetViews, fleetViews, interactionRoute, recordSignIns, renderPage } from "./interaction";
import { createProfiles } from "./profiles";
import { fleetPolicy, protocolSettings } from "./protocol";
import { recordSealer, sealingPurposes } from "../sealing";
import { createSignIns, type OidcSignIn, type SignIns, watchSessionEnds } from "./sign-ins";

/**
 * The fleet's OpenID Provider (docs/oidc.md): `oidc-provider` (certified; it speaks the protocol) on the fleet's
 * session and store (this module is the glue and the policy). Served by the sign-in app only, at LOGIN_URL:
 * discovery at `/.well-known/openid-configuration`, every endpoint under `/oidc/`.
 *
 * - No second sign-in: a browser signed in to the fleet gets its code at once; otherwise it goes through the
 *   fleet's sign-in page and comes back (the interaction, `interactionPath`). The clients are the fleet's own
 *   (IRONLINK_OIDC_CLIENTS), so there is no consent screen.
 * - The provider's session follows the fleet's: another person (or another sign-in) in the fleet session
 *   means a new login, so a new `sub` (`fleetPolicy`).
 * - Grants live as long as their fleet session (adapter.ts, sign-ins.ts), and every end of a fleet session,
 *   a timeout included, sends a logout token to each client it signed in to, through a retrying queue.
 */
export interface OidcProvider {
  /** Whether `pathname` is the provider's: a check without I/O, for a server's every request. */
  handles(pathname: string): boolean;
  /** Answers a request `handles` accepted (Node's request and response: oidc-provider is a Koa app). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/** The provider's types: `OidcProvider.Options`. */
export declare namespace OidcProvider {
  /** createOidcProvider's options. */
  type Options = ProviderOptions;
}

interface ProviderOptions {
  /** Whether a trusted proxy's X-Forwarded-Proto says the scheme (TRUSTED_PROXIES is set). */
  trustProxy?: boolean;
}

const discoveryPaths = new Set(["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]);

/** Whether `pathname` is the provider's (discovery, or under /oidc/): no I/O, for a server's every request. */
export const isOidcPath = (pathname: string): boolean => pathname.startsWith(oidcPrefix) || discoveryPaths.has(pathname);

export async function createOidcProvider(fleet: Fleet, { trustProxy = false }: OidcProvider.Options = {}): Promise<OidcProvider> {
  const { config } = fleet;
  const passwords = normalizePasswords(config.password);
  const { records, sessions, close: closeRecords } = recordsOf(fleet);
  const sealer = recordSealer(passwords, sealingPurposes.oidc);
  const signIns = createSignIns(records, sessions, config.absoluteTimeout);
  const profiles = createProfiles(records, sealer, config.absoluteTimeout);
  const deliveries = createDeliveries();
  const keys = signingKeys(config);
  // auth_time in every ID token (oidc-provider adds it only when asked), signed with the first key.
  const clients = config.oidc.clients.map((client) => ({ id_token_signed_response_alg: keys.alg, require_auth_time: true, ...client }));
  const views = fleetViews(fleet);
  const provider = new Provider(config.loginUrl, {
    ...protocolSettings(clients, keys.jwks, config.absoluteTimeout),
    adapter: fleetAdapter({ records, sealer, maxTtlSeconds: config.absoluteTimeout, isSessionAlive: signIns.isSessionAlive }),
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, preferred_username: (await profiles.usernameOf(sub)) ?? sub }) }),
    loadExistingGrant: (ctx) => grantFor(ctx, views, signIns),
    interactions: { url: (_ctx, interaction) => `${interactionPath}${interaction.uid}`, policy: fleetPolicy(views) },
    cookies: { keys: cookieKeys(passwords), long: { httpOnly: true, sameSite: "lax", secure: config.cookieSecure }, short: { httpOnly: true, sameSite: "lax", secure: config.cookieSecure } },
    fetch: deliveringFetch(deliveries),
    renderError: (ctx, out) => renderPage(ctx, errorPage(out), undefined),
  } as Configuration);
  provider.proxy = trustProxy;
  // Koa sends a Secure cookie only over https it can see; the fleet's COOKIE_SECURE is the truth (TLS ended
  // by a proxy, or http://127.0.0.1, which browsers treat as secure), as for the session cookie.
  if (config.cookieSecure) provider.use(treatAsSecure);
  await checkClients(provider, clients);
  const ends = await watchSessionEnds({ store: fleet.store, records, signIns }, (signIn) => endSignIn(provider, signIn));
  provider.use(interactionRoute(provider, fleet, { views, profiles, signIns }));
  provider.use(recordSignIns(views, signIns));
  provider.use(endFleetSessionOnLogout(fleet, views, signIns));
  const callback = provider.callback();
  return {
    handles: isOidcPath,
    handle: (req, res) => void callback(req, res),
    close: async () => {
      await ends.close();
      deliveries.close();
      await closeRecords();
    },
  };
}

/**
 * Where the provider's records live: the fleet's directory, or the fleet's Redis through a connection of its
 * own that pipelines automatically (the token endpoint's reads and writes of concurrent requests go out in
 * one write each turn of the event loop, not one write per command).
 */
function recordsOf(fleet: Fleet): { records: OidcRecords; sessions: SessionStore; close(): Promise<void> } {
  const { store, fleetName, keyPrefix } = fleet.config;
  if (store.kind === "file") return { records: fileRecords(`${store.dir}/oidc`), sessions: fleet.store, close: async () => {} };
  const client = createRedisClient(store.redis, { enableAutoPipelining: true });
  return {
    records: redisRecords(client, `ironlink:fleet:${fleetName}:oidc:`),
    // The fleet's sessions, read through this connection too: a grant's liveness check is on every exchange.
    sessions: new RedisStore({ client, prefix: keyPrefix }),
    close: () => closeRedisClient(client),
  };
}

/** The request counts as https for Koa (ctx.secure, which oidc-provider's own cookie jar reads) and its cookie jar. */
function treatAsSecure(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  Object.defineProperty(ctx.request, "secure", { value: true });
  ctx.cookies.secure = true;
  return next();
}

/** oidc-provider signs its cookies: keys derived from SESSION_PASSWORD, newest first, so rotating it rotates them. */
function cookieKeys(passwords: Record<string, string>): Buffer[] {
  const ids = Object.keys(passwords).sort((a, b) => Number(b) - Number(a));
  return ids.map((id) => Buffer.from(hkdfSync("sha256", passwords[id] as string, "", "ironlink oidc cookies", 32)));
}

/** Each listed client, loaded as oidc-provider will load it: what it refuses stops the start, with the entry named. */
async function checkClients(provider: Provider, clients: OidcClient[]): Promise<void> {
  for (const [index, client] of clients.entries()) {
    try {
      await provider.Client.find(client.client_id);
    } catch (error) {
      const said = error as { error_description?: string; message: string };
      throw new FleetConfigError(`IRONLINK_OIDC_CLIENTS entry ${index + 1} ("${client.client_id}"): ${said.error_description ?? said.message}.`);
    }
  }
}

/**
 * The clients are the fleet's own: the grant covers what they asked (no consent screen), and is bound to the
 * fleet session it was made in.
 */
async function grantFor(ctx: KoaContextWithOIDC, views: FleetViews, signIns: SignIns) {
  const { client, session, provider } = ctx.oidc;
  if (!client || !session?.accountId) return undefined;
  const existing = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  const found = existing ? await provider.Grant.find(existing) : undefined;
  if (found) return found;
  const view = await views(ctx);
  if (!view || view.user.id !== session.accountId) return undefined;
  const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  grant.addOIDCScope([...(ctx.oidc.requestParamOIDCScopes ?? ["openid"])].join(" "));
  const grantId = await grant.save();
  await signIns.bindGrant(grantId, view.publicId);
  return grant;
}

/** The end of one client's sign-in: its grant (with its note) and tokens revoked, a logout token on its way (never awaited). */
async function endSignIn(provider: Provider, { clientId, sid, accountId, grantId }: OidcSignIn): Promise<void> {
  await provider.Grant.adapter.revokeByGrantId(grantId);
  // The client's own method signs the logout token; our `fetch` (delivery.ts) queues its POST.
  const client = (await provider.Client.find(clientId)) as (InstanceType<Provider["Client"]> & { backchannelLogout(sub: string, sid: string): Promise<void> }) | undefined;
  if (client?.backchannelLogoutUri) await client.backchannelLogout(accountId, sid);
}
