import { type Fleet, processWide } from "@ironlink/session/fleet";

/**
 * The app instance's register() says "this process hosts the fleet's sign-in" by leaving its fleet here, for
 * `ironlink-next`'s node:http layer (oidc-server.ts) to serve the OpenID Provider with. Its own module, so the
 * app's bundles never import the provider.
 */
const signInHostKey = "ironlink.next.sign-in-host";

export function announceSignInHost(fleet: Fleet): void {
  processWide(signInHostKey, () => ({ fleet }));
}

export function signInHost(): { fleet: Fleet } | undefined {
  return (globalThis as { [key: symbol]: { fleet: Fleet } | undefined })[Symbol.for(signInHostKey)];
}
