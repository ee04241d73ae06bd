import { type Fleet, processWide } from "@ironlink/session/fleet";

/**
 * The app instance's register() says whether this process hosts the fleet's sign-in, leaving its fleet here
 * if it does, for `ironlink-next`'s node:http layer (oidc-server.ts) to serve the OpenID Provider with.
 * Undefined until register() has run. Its own module, so the app's bundles never import the provider.
 */
const signInHostKey = "ironlink.next.sign-in-host";

interface SignInHost {
  /** The fleet of this process's app, when it hosts the fleet's sign-in. */
  fleet: Fleet | undefined;
}

export function announceSignInHost(fleet: Fleet | undefined): void {
  processWide(signInHostKey, (): SignInHost => ({ fleet }));
}

export function signInHost(): SignInHost | undefined {
  return (globalThis as { [key: symbol]: SignInHost | undefined })[Symbol.for(signInHostKey)];
}
