import "server-only";
import { headers } from "next/headers";

export interface RequestContext {
  /** The client's address, for per-address rate limits; undefined if unknown. */
  address: string | undefined;
  userAgent: string;
  /** The app serving the request (IRONLINK_APP_NAME, set by @ironlink/next-config). */
  app: string;
}

/**
 * Who is asking, from the request headers (server actions and route handlers). The address is the last
 * X-Forwarded-For hop: the one the reverse proxy in front of the app appends. Without such a proxy, Next
 * fills the header from the socket only when the client sent none, so a client could choose its address:
 * the per-address limit then holds only behind a proxy (the per-username limit holds regardless).
 */
export async function requestContext(): Promise<RequestContext> {
  const list = await headers();
  const hops = (list.get("x-forwarded-for") ?? "").split(",").map((hop) => hop.trim()).filter(Boolean);
  const last = hops.at(-1);
  return {
    address: last?.replace(/^::ffff:/, "").slice(0, 64),
    userAgent: (list.get("user-agent") ?? "unknown browser").slice(0, 256),
    app: process.env.IRONLINK_APP_NAME ?? "unknown app",
  };
}
