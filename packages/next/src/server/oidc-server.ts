import type { IncomingMessage, ServerResponse } from "node:http";
import { createOidcProvider, type OidcProvider } from "@ironlink/session/oidc";
import { fleetHttp } from "@ironlink/session/fleet";
import { signInHost } from "./sign-in-host";

/**
 * The fleet's OpenID Provider in `ironlink-next`'s node:http layer (bin/ironlink-next.js), beside Next's
 * handler rather than inside it: oidc-provider is a Koa app that wants Node's request and response, which a
 * route handler does not have, and its paths (`/.well-known/openid-configuration`, `/oidc/…`) are the
 * issuer's, not the app's. Served only by the fleet's sign-in app (its instance's register() says so:
 * sign-in-host.ts), and only when IRONLINK_OIDC_CLIENTS lists clients.
 */
export interface OidcServer {
  /** Starts the provider if this process hosts the fleet's sign-in with clients: its client list is checked now. */
  start(): Promise<void>;
  /** Whether this request is the provider's (no I/O). */
  handles(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export function oidcServer({ trustProxy }: { trustProxy: boolean }): OidcServer {
  let starting: Promise<OidcProvider> | undefined;
  let served: OidcProvider | undefined;
  // Started once register() has announced this process as the sign-in host: at start, or at the first request after.
  const start = () => {
    const host = signInHost();
    if (starting || !host || host.fleet.config.oidc.clients.length === 0) return starting;
    starting = createOidcProvider(host.fleet, { trustProxy });
    starting.then(
      (provider) => (served = provider),
      (error: Error) => console.error(`ironlink: the OpenID Provider did not start: ${error.message}`),
    );
    return starting;
  };
  return {
    start: async () => void (await start()),
    handles: (req) => {
      if (!served) void start();
      return served?.handles((req.url ?? "/").split("?", 1)[0] ?? "/") ?? false;
    },
    handle: (req, res) => {
      // As for the app's pages: a store known to be down is a 503 at once, not oidc-provider's 500.
      if (signInHost()?.fleet.isStoreDown()) return unavailable(res, "The session store is not answering; try again in a moment.");
      served?.handle(req, res);
    },
  };
}

function unavailable(res: ServerResponse, message: string): void {
  res.writeHead(503, { "Content-Type": "application/json", "Cache-Control": "no-store", "Retry-After": String(fleetHttp.outage.retryAfterSeconds) });
  res.end(JSON.stringify({ error: "temporarily_unavailable", error_description: message }));
}
