import "server-only";
import { maxBodyBytes } from "./server/request-limits";
import { SessionStoreUnavailableError } from "@ironlink/session";
import type { Fleet } from "@ironlink/session/fleet";
import type { ResolvedOptions } from "./options";
import { getFleet, storeDownRetryAfterSeconds } from "./fleet";
import { messages } from "./messages";

/** JSON answers for API clients: never cached, because they carry session state. */
export function json(body: unknown, status = 200, headers?: ResponseInit["headers"]): Response {
  const response = Response.json(body, { status, headers });
  response.headers.set("Cache-Control", "no-store");
  return response;
}

export function jsonError(status: number, error: string, message: string, extra?: Record<string, unknown>): Response {
  return json({ error, message, ...extra }, status);
}

/** The API's 503 while the session store does not answer, whether known before the request or met during it. */
export function storeDownResponse(): Response {
  const response = jsonError(503, "unavailable", messages.unavailable);
  response.headers.set("Retry-After", String(storeDownRetryAfterSeconds));
  return response;
}

/** The HTTP answer to a sign-in, registration or password change. */
export function accountResponse(result: Fleet.AccountResult, successStatus = 200): Response {
  if (result.ok) return json({ user: result.user }, successStatus);
  const response = jsonError(result.status, result.error, result.message, { fieldErrors: result.fieldErrors });
  if (result.retryAfterSeconds) response.headers.set("Retry-After", String(result.retryAfterSeconds));
  return response;
}

/** A route of the kit's API: the request, and the options of the instance whose `handlers` serve it. */
export type RouteHandler = (request: Request, options: ResolvedOptions) => Promise<Response>;

/**
 * Wraps a route handler: refuses cross-site POSTs, turns a Redis outage into a 503 with a clear message,
 * and keeps anything unexpected from reaching the client as a stack trace.
 */
export function apiRoute(handler: RouteHandler): RouteHandler {
  return async (request, options) => {
    const refused = request.method !== "GET" && request.method !== "HEAD" ? getFleet().originRefusal(request.headers) : undefined;
    if (refused) return jsonError(403, "forbidden_origin", refused);
    try {
      return await handler(request, options);
    } catch (error) {
      if (error instanceof SessionStoreUnavailableError) return storeDownResponse();
      if (error instanceof BodyError) return jsonError(error.status, error.code, error.message);
      console.error("ironlink: unexpected error in", request.method, new URL(request.url).pathname, error);
      return jsonError(500, "internal_error", "Something went wrong on our side.");
    }
  };
}

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}


const jsonType = /^application\/json\s*(;|$)/i;
const formType = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * The fields of a body: a JSON object, or (with `forms`) an urlencoded form. At most `maxBodyBytes` are
 * read, and a longer body gets a 413 before anything is parsed, whatever Content-Length claims. `lenient`
 * reads a body it cannot make sense of as no fields (sign-out still signs out); otherwise that is a 4xx.
 */
export async function readFields(request: Request, { forms = false, lenient = false } = {}): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  const isForm = forms && formType.test(type);
  if (!lenient && !isForm && !jsonType.test(type)) {
    throw new BodyError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  const text = await readLimited(request, maxBodyBytes);
  if (isForm) return Object.fromEntries(new URLSearchParams(text));
  try {
    return parseJsonObject(text);
  } catch (error) {
    if (lenient) return {};
    throw error;
  }
}

function parseJsonObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BodyError(400, "invalid_json", "The body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BodyError(400, "invalid_body", "The body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

const tooLarge = () => new BodyError(413, "body_too_large", `The body must be under ${maxBodyBytes} bytes.`);

// Stops reading at the limit, so a client that lies about Content-Length cannot make us buffer gigabytes.
async function readLimited(request: Request, limit: number): Promise<string> {
  if (Number(request.headers.get("content-length") ?? "0") > limit) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new BodyError(400, "invalid_encoding", "The body must be UTF-8.");
  }
}
