import { getConfig } from "./config";
import type { ResolvedOptions } from "./options";
import { fleetRoute } from "./routes/fleet";
import { securityHeaders } from "./server/security-headers";

/**
 * The API of `app/api/[...ironlink]/route.ts`: the fleet's routes (`fleet.handle`: the account API, health,
 * the cross-site sign-in, live sign-out), each answered with the API's security headers.
 */
function dispatch(options: ResolvedOptions): (request: Request) => Promise<Response> {
  return async (request) => withSecurityHeaders(await fleetRoute(request, options));
}

/**
 * The API answers' security headers, set here since the proxy does not run on /api/ (proxy.ts). A header the
 * route set itself wins (the callback's `Referrer-Policy: no-referrer`). Set in place: only an answer whose
 * headers are immutable (`Response.redirect()`) is copied first, so no answer is copied on the read path.
 */
export function withSecurityHeaders(response: Response): Response {
  try {
    return addMissingHeaders(response);
  } catch {
    return addMissingHeaders(new Response(response.body, response));
  }
}

function addMissingHeaders(response: Response): Response {
  for (const [name, value] of Object.entries(securityHeaders({ api: true, secure: getConfig().cookieSecure }))) {
    if (!response.headers.has(name)) response.headers.set(name, value);
  }
  return response;
}

/**
 * The route handlers of every Ironlink app, for a catch-all route: in `app/api/[...ironlink]/route.ts`,
 * `export const { GET, POST, OPTIONS } = ironlink.handlers;`. An app's own routes under /api/ still win: Next
 * prefers a static segment to a catch-all.
 */
export function createHandlers(options: ResolvedOptions) {
  const handler = dispatch(options);
  return { GET: handler, POST: handler, OPTIONS: handler };
}
