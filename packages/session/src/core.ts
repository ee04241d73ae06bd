import type { IncomingMessage, ServerResponse } from "node:http";
import { type CookieJar, type CookieStore, jarFor } from "./cookies";
import { SessionConfigError } from "./errors";
import { normalizedOnce } from "./manager";
import type { SessionOptions } from "./options";
import { type IronSession, openSession } from "./session";

export { createSessionManager, type SessionManager } from "./manager";
export { type IronSession, regenerateSession, sessionInfo } from "./session";

const badUsage =
  "ironlink: Bad usage: use getIronSession(req, res, options) or getIronSession(cookies, options). It needs both a request and a response, or a cookie store (or cookie jar), and the options.";

/**
 * For the Next.js App Router: `await getIronSession<Data>(await cookies(), options)`; or with one of
 * iron-session 9's cookie jars: `getIronSession(nextProxyCookies(request, response), options)`.
 */
export function getIronSession<T extends object>(cookies: CookieStore | CookieJar, options: SessionOptions): Promise<IronSession<T>>;
/** For Node (`IncomingMessage`, `ServerResponse`) or Fetch (`Request`, `Response`) servers. */
export function getIronSession<T extends object>(
  req: IncomingMessage | Request,
  res: ServerResponse | Response,
  options: SessionOptions,
): Promise<IronSession<T>>;
export async function getIronSession<T extends object>(
  reqOrCookies: IncomingMessage | Request | CookieStore | CookieJar,
  resOrOptions: ServerResponse | Response | SessionOptions,
  options?: SessionOptions,
): Promise<IronSession<T>> {
  // iron-session's order: the arguments, then the options, and only then the request (which may lack headers).
  if (!reqOrCookies || !resOrOptions) throw new SessionConfigError(badUsage);
  if (!options) {
    const normalized = normalizedOnce(resOrOptions as SessionOptions);
    return openSession<T>(jarFor([reqOrCookies as CookieStore | CookieJar]), normalized);
  }
  const normalized = normalizedOnce(options);
  return openSession<T>(jarFor([reqOrCookies as IncomingMessage | Request, resOrOptions as ServerResponse | Response]), normalized);
}
