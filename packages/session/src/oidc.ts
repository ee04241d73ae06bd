/**
 * `@ironlink/session/oidc`: the fleet's OpenID Provider (docs/oidc.md), for the server of the fleet's sign-in
 * app to mount beside the app (`ironlink-next` does). Its own entry point, so apps that serve no provider
 * never load oidc-provider.
 */
export { createOidcProvider, isOidcPath, type OidcProvider } from "./fleet/oidc/provider";
