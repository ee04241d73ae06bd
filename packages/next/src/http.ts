import "server-only";
import { SessionStoreUnavailableError } from "@ironlink/session";
import type { ResolvedOptions } from "./options";
import { storeDownRetryAfterSeconds } from "./fleet";
import { messages } from "./messages";

/** JSON answers for API clients: never cached, because they carry session state. */
function json(body: unknown, status = 200, headers?: ResponseInit["headers"]): Response {
  const response = Response.json(body, { status, headers });
  response.headers.set("Cache-Control", "no-store");
  return response;
}

export function jsonError(status: number, error: string, message: string): Response {
  return json({ error, message }, status);
}

/** The API's 503 while the session store does not answer, whether known before the request or met during it. */
export function storeDownResponse(): Response {
  const response = jsonError(503, "unavailable", messages.unavailable);
  response.headers.set("Retry-After", String(storeDownRetryAfterSeconds));
  return response;
}

/** A route of the kit's API: the request, and the options of the instance whose `handlers` serve it. */
type RouteHandler = (request: Request, options: ResolvedOptions) => Promise<Response>;

/**
 * Wraps a route handler: turns a Redis outage into a 503 with a clear message, and keeps anything
 * unexpected from reaching the client as a stack trace. (The fleet's routes check origins and bodies.)
 */
export function apiRoute(handler: RouteHandler): RouteHandler {
  return async (request, options) => {
    try {
      return await handler(request, options);
    } catch (error) {
      if (error instanceof SessionStoreUnavailableError) return storeDownResponse();
      console.error("ironlink: unexpected error in", request.method, new URL(request.url).pathname, error);
      return jsonError(500, "internal_error", "Something went wrong on our side.");
    }
  };
}
