import type { IncomingMessage, ServerResponse } from "node:http";
import { createOidcProvider, isOidcPath, type OidcProvider } from "@ironlink/session/oidc";
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
  /** Whether this request may be the provider's (no I/O). */
  handles(req: IncomingMessage): boolean;
  /** Answers it, or hands it to `passOn` (Next) when this process turns out to serve no provider. */
  handle(req: IncomingMessage, res: ServerResponse, passOn: () => void): void;
}

/**
 * How long after start a request for the provider waits for register() to say whether this process hosts
 * the sign-in (it awaits the store first), and how long after a failed start the next request tries again.
 */
const timing = { warmUpMs: 15_000, retryMs: 5_000 } as const;

export function oidcServer({ trustProxy }: { trustProxy: boolean }): OidcServer {
  const startedAt = Date.now();
  let starting: Promise<OidcProvider> | undefined;
  let served: OidcProvider | undefined;
  let failedAt = 0;
  // Before register() has said whether this process hosts the sign-in, a request for the provider waits.
  const warmingUp = () => signInHost() === undefined && Date.now() - startedAt < timing.warmUpMs;
  const start = () => {
    const fleet = signInHost()?.fleet;
    if (starting || !fleet || fleet.config.oidc.clients.length === 0 || Date.now() - failedAt < timing.retryMs) return starting;
    starting = createOidcProvider(fleet, { trustProxy });
    starting.then(
      (provider) => (served = provider),
      (error: Error) => {
        console.error(`ironlink: the OpenID Provider did not start: ${error.message}`);
        // A client entry oidc-provider refuses is a configuration error: stop, as register() does for its own.
        if (error.name === "FleetConfigError") process.exit(1);
        starting = undefined;
        failedAt = Date.now();
      },
    );
    return starting;
  };
  const ready = async (): Promise<OidcProvider | undefined> => {
    while (warmingUp()) await new Promise((resolve) => setTimeout(resolve, 100));
    return start()?.catch(() => undefined);
  };
  return {
    start: async () => void (await start()),
    handles: (req) => isOidcPath((req.url ?? "/").split("?", 1)[0] ?? "/") && (served !== undefined || warmingUp() || start() !== undefined),
    handle: (req, res, passOn) => {
      // As for the app's pages: a store known to be down is a 503 at once, not oidc-provider's 500.
      if (signInHost()?.fleet?.isStoreDown()) return unavailable(res, "The session store is not answering; try again in a moment.");
      if (served) return served.handle(req, res);
      void ready().then((provider) => {
        if (provider) provider.handle(req, res);
        else if (signInHost()?.fleet?.config.oidc.clients.length) unavailable(res, "The OpenID Provider is starting; try again in a moment.");
        else passOn();
      });
    },
  };
}

function unavailable(res: ServerResponse, message: string): void {
  res.writeHead(503, { "Content-Type": "application/json", "Cache-Control": "no-store", "Retry-After": String(fleetHttp.outage.retryAfterSeconds) });
  res.end(JSON.stringify({ error: "temporarily_unavailable", error_description: message }));
}
