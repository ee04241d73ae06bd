import "server-only";
import { appIdentity } from "./app-identity";
import { getFleet } from "./fleet";
import { currentClientAddress, warnIfAddressUnknown } from "./server/client-address";
import { headers } from "next/headers";

export interface RequestContext {
  /**
   * The client's address as per-address limits count it: IPv4 as it is, IPv6 per network (CLIENT_IPV6_PREFIX,
   * a /64 by default); undefined if unknown.
   */
  address: string | undefined;
  userAgent: string;
  /** The app serving the request (IRONLINK_APP_NAME, set by ironlinkNextConfig). */
  app: string;
  /** The Host the request was sent to (this app as the browser names it), to tell another app's address from this one's. */
  host?: string;
  /** The other app a sign-in will go back to (its name or host, see return-to.ts): what the session records as signedInOn. */
  startedFrom?: string;
}

/**
 * Who is asking (server actions and route handlers). The address is the socket's, or the nearest hop that
 * is not a trusted proxy (TRUSTED_PROXIES), computed by `ironlink-next` before Next sees the request:
 * a header the client wrote never decides it. Under plain `next start` it is unknown, and only the limits
 * that need no address apply.
 */
export async function requestContext(): Promise<RequestContext> {
  const list = await headers();
  const address = warnIfAddressUnknown(currentClientAddress());
  return {
    address: getFleet().addressBucket(address),
    userAgent: (list.get("user-agent") ?? "unknown browser").slice(0, 256),
    app: appIdentity.name,
    host: list.get("host") ?? undefined,
  };
}
