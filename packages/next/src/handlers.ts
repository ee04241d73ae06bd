import { fleetPaths } from "@ironlink/session/fleet";
import { getConfig } from "./config";
import { getFleet, storeIsDown } from "./fleet";
import { json, type RouteHandler, storeDownResponse } from "./http";
import type { ResolvedOptions } from "./options";
import { fleetRoute } from "./routes/fleet";
import { POST as login } from "./routes/login";
import { POST as logout } from "./routes/logout";
import { GET as migrate } from "./routes/migrate";
import { POST as register } from "./routes/register";
import { GET as session } from "./routes/session";
import { securityHeaders } from "./server/security-headers";

type Handler = RouteHandler;

/** The kit's API, by path: what `app/api/[...ironlink]/route.ts` serves beside the fleet's own routes. */
const routes: Record<string, Partial<Record<"GET" | "POST", Handler>>> = {
  "/api/session": { GET: session },
  "/api/session/migrate": { GET: migrate },
  "/api/login": { POST: login },
  "/api/logout": { POST: logout },
  "/api/register": { POST: register },
};
/** The fleet's routes (health, the cross-site sign-in, live sign-out: `fleet.handles(path)`), all GET. */
const fleetMethods: Partial<Record<"GET" | "POST", Handler>> = { GET: fleetRoute };

/** The methods a path answers, as the Allow header lists them (HEAD with GET, and OPTIONS always). */
function allowed(methods: Partial<Record<string, Handler>>): string {
  const names = Object.keys(methods);
  return [...names, ...(names.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort().join(", ");
}

function dispatch(method: "GET" | "POST" | "OPTIONS", options: ResolvedOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const path = new URL(request.url).pathname.replace(/\/$/, "");
    // While the store is known to be down, every route but the health check answers 503 at once, before any work.
    const response = path !== fleetPaths.health && storeIsDown() ? storeDownResponse() : await route(method, path, request, options);
    return withSecurityHeaders(response);
  };
}

function route(method: "GET" | "POST" | "OPTIONS", path: string, request: Request, options: ResolvedOptions): Promise<Response> | Response {
  // The live sign-out routes are there only while IRONLINK_LIVE_SIGNOUT is on.
  const switchedOff = (path === fleetPaths.events || path === fleetPaths.script) && !getConfig().liveSignOut;
  const methods = switchedOff ? undefined : (routes[path] ?? (getFleet().handles(path) ? fleetMethods : undefined));
  if (!methods) return json({ error: "not_found", message: "There is no such API route." }, 404);
  if (method === "OPTIONS") return new Response(null, { status: 204, headers: { Allow: allowed(methods) } });
  const handler = methods[method];
  if (!handler) return json({ error: "method_not_allowed", message: `Use ${Object.keys(methods).join(" or ")}.` }, 405, { Allow: allowed(methods) });
  return handler(request, options);
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
  return { GET: dispatch("GET", options), POST: dispatch("POST", options), OPTIONS: dispatch("OPTIONS", options) };
}
