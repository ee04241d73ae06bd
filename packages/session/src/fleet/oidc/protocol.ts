import { type Configuration, interactionPolicy, type KoaContextWithOIDC } from "oidc-provider";
import type { OidcClient } from "../oidc-settings";
import { type FleetView, renderPage } from "./interaction";
import { logoutPage, signedOutPage } from "./pages";

/**
 * The protocol's choices, apart from the fleet's glue (provider.ts): code flow only, PKCE S256 (required of
 * public clients), no consent, RS256/ES256 ID tokens carrying the profile, refresh bound to the session, the
 * endpoints under /oidc/. Its own module so the benchmark's in-memory contender runs the same settings.
 */
/** Seconds: access tokens live minutes, codes one, an unfinished sign-in ten. */
export const lifetimes = { AccessToken: 600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, ClientCredentials: 600 } as const;

export function protocolSettings(clients: OidcClient[], jwks: { keys: object[] }, sessionSeconds: number): Configuration {
  const algs = ["RS256", "ES256"];
  return {
    clients: clients as Configuration["clients"],
    jwks: jwks as Configuration["jwks"],
    responseTypes: ["code"],
    scopes: ["openid", "profile"],
    // amr with openid: how the person signed in travels in every ID token (oidc-provider filters claims by scope).
    claims: { openid: ["sub", "amr"], profile: ["preferred_username"], auth_time: null, sid: null },
    // The ID token carries preferred_username itself: most clients read the profile from it.
    conformIdTokenClaims: false,
    pkce: { required: (_ctx, client) => client.clientAuthMethod === "none" },
    enabledJWA: { idTokenSigningAlgValues: algs, userinfoSigningAlgValues: algs, introspectionSigningAlgValues: algs, authorizationSigningAlgValues: algs },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => renderPage(ctx, logoutPage(form, ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId), undefined),
        postLogoutSuccessSource: (ctx) => renderPage(ctx, signedOutPage(), undefined),
      },
    },
    // A refresh token whenever the client may use one: it is bound to the fleet session, so "online" only.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    ttl: { ...lifetimes, Grant: sessionSeconds, Session: sessionSeconds, RefreshToken: sessionSeconds },
    // A browser client (PKCE, no secret) may call the token endpoint from the origins it returns to.
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    routes: {
      authorization: "/oidc/auth",
      token: "/oidc/token",
      userinfo: "/oidc/me",
      jwks: "/oidc/jwks",
      end_session: "/oidc/session/end",
      revocation: "/oidc/token/revocation",
      introspection: "/oidc/token/introspection",
      pushed_authorization_request: "/oidc/request",
      registration: "/oidc/reg",
      code_verification: "/oidc/device",
      device_authorization: "/oidc/device/auth",
      backchannel_authentication: "/oidc/backchannel",
    },
  } as Configuration;
}

/** The login prompt, plus: the provider's session must be the fleet session's sign-in, else log in again. */
export function fleetPolicy(views: (ctx: KoaContextWithOIDC) => Promise<Pick<FleetView, "user" | "signedInAt"> | undefined>) {
  const policy = interactionPolicy.base();
  const login = policy.get("login");
  login?.checks.add(
    new interactionPolicy.Check("fleet_session", "the fleet session is not the one this sign-in came from", async (ctx: KoaContextWithOIDC) => {
      if (ctx.oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const view = await views(ctx);
      const { session } = ctx.oidc;
      const same = view !== undefined && session?.accountId === view.user.id && session.loginTs === view.signedInAt;
      return same ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}
