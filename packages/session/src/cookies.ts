import type { IncomingMessage, ServerResponse } from "node:http";
import { serialize } from "cookie";
import { SessionConfigError } from "./errors";
import type { CookieOptions } from "./options";

/** What `await cookies()` gives in the Next.js App Router, or any store shaped like it. */
export interface CookieStore {
  get(name: string): { value: string } | undefined;
  /** Every cookie of that name, when the store can tell (Next's stores have it, though they keep one value per name). */
  getAll?(name: string): { value: string }[];
  set(name: string, value: string, options?: CookieWriteOptions): unknown;
}

export type CookieWriteOptions = CookieOptions;

/**
 * iron-session 9's cookie jar: read a cookie by name, write one back. What `nodeCookies`, `webCookies` and
 * `nextProxyCookies` make, and what any framework can be given as: `getIronSession(jar, options)`.
 */
export interface CookieJar {
  read(name: string): string | undefined;
  write(name: string, value: string, options: CookieWriteOptions): void;
  /** The names of the request's cookies, when the runtime can list them (iron-session 9 finds its chunks with it; unused here). */
  names?(): string[];
  /** Throws when a cookie can no longer be sent, rather than have it dropped silently. */
  assertWritable?(): void;
  /**
   * Ironlink's addition: every value the request carries under the name, in header order, when the runtime
   * can tell, so that a second session cookie planted beside ours is seen (the adapters below provide it).
   */
  readAll?(name: string): string[];
}

/** Reads and writes the session cookie, whatever the framework: what a session works with inside. */
export interface SessionCookieJar {
  /**
   * Every value the request carries under the name, in header order. A Cookie header can hold several: one
   * set for another port of the host or for a parent domain is sent along with ours.
   */
  readAll(name: string): string[];
  write(name: string, value: string, options: CookieWriteOptions): void;
  /** Throws iron-session's error when the cookie can no longer be written (the response's headers are out). */
  assertWritable(): void;
}

export function jarFromCookieStore(store: CookieStore): SessionCookieJar {
  const cookiesNamed = (name: string) => (typeof store.getAll === "function" ? store.getAll(name) : [store.get(name)]);
  return {
    readAll: (name) => cookiesNamed(name).flatMap((cookie) => (cookie ? [cookie.value] : [])),
    write: (name, value, options) => void store.set(name, value, options),
    assertWritable: () => undefined,
  };
}

/**
 * A cookie store for getIronSession that reads from the raw Cookie header, every value of a name, and writes to
 * `store`. Next's `cookies()` keeps one value per name, so on its own it would hide a second session cookie
 * someone planted, and could hand over theirs. With Next:
 * `getIronSession(cookieStoreWithHeader(await cookies(), (await headers()).get("cookie")), options)`.
 */
export function cookieStoreWithHeader(store: CookieStore, cookieHeader: string | null | undefined): Required<CookieStore> {
  const readAll = (name: string): string[] => {
    const sent = cookieHeaderValues(cookieHeader ?? "", name);
    // A value the store holds that the header did not carry was set during this request (a sign-in in a
    // server action, read again by the page rendered after it): the newest, so first. It is one more value,
    // never one that hides the header's: those still count when the session picks among them.
    const current = store.get(name)?.value;
    return current !== undefined && !sent.includes(current) ? [current, ...sent] : sent;
  };
  return {
    get: (name) => {
      const [value] = readAll(name);
      return value === undefined ? undefined : { name, value };
    },
    getAll: (name) => readAll(name).map((value) => ({ name, value })),
    set: (name, value, options) => store.set(name, value, options),
  };
}

/** The jar for either call form: a cookie store or a cookie jar, or a request and its response. */
export function jarFor(args: [CookieStore | CookieJar] | [IncomingMessage | Request, ServerResponse | Response]): SessionCookieJar {
  if (args.length === 1) {
    const [cookies] = args;
    if (isCookieJar(cookies)) return jarFromCookieJar(cookies);
    if (!cookies || typeof cookies.get !== "function") {
      throw new SessionConfigError(
        "ironlink: getIronSession(cookies, options) needs a cookie store, e.g. `await cookies()` from next/headers, or a cookie jar such as nodeCookies(req, res).",
      );
    }
    return jarFromCookieStore(cookies);
  }
  const [req, res] = args;
  if (!req || !res) throw new SessionConfigError("ironlink: getIronSession(req, res, options) needs both a request and a response.");
  return jarFromRequest(req, res);
}

function isCookieJar(value: unknown): value is CookieJar {
  return typeof value === "object" && value !== null && typeof (value as CookieJar).read === "function" && typeof (value as CookieJar).write === "function";
}

/** A public jar as a session uses it. An empty value is no cookie (nextProxyCookies leaves one after a destroy). */
function jarFromCookieJar(jar: CookieJar): SessionCookieJar {
  const readAll = (name: string) => (typeof jar.readAll === "function" ? jar.readAll(name) : [jar.read(name)]);
  return {
    readAll: (name) => readAll(name).filter((value): value is string => typeof value === "string" && value !== ""),
    write: (name, value, options) => jar.write(name, value, options),
    assertWritable: () => jar.assertWritable?.(),
  };
}

/** A session's jar as iron-session 9's public shape. */
function publicJar(jar: SessionCookieJar): CookieJar {
  return {
    read: (name) => jar.readAll(name)[0],
    readAll: (name) => jar.readAll(name),
    write: (name, value, options) => jar.write(name, value, options),
    assertWritable: () => jar.assertWritable(),
  };
}

/** iron-session 9's jar for Node's http server (Express, Connect, Next.js API routes): `getIronSession(nodeCookies(req, res), options)`. */
export function nodeCookies(req: IncomingMessage, res: ServerResponse): CookieJar {
  return publicJar(jarFromRequest(req, res));
}

/**
 * iron-session 9's jar for a web-standard `Request` and what the cookie goes out on: a `Response`, a bare
 * `Headers` (given to the Response made afterwards) or Next's `NextResponse`.
 */
export function webCookies(request: Request, response: Response | Headers): CookieJar {
  const headers = response instanceof Headers ? response : response.headers;
  const jar = jarFromRequest(request, { headers } as Response);
  return publicJar({
    ...jar,
    assertWritable: () => {
      if (response instanceof Response && response.bodyUsed) {
        throw new Error(
          "ironlink: Cannot set session cookie: the response body has already been consumed, so the Set-Cookie header would be dropped. Call session.save() before returning or streaming the response.",
        );
      }
    },
  });
}

/** The parts of Next's `NextRequest` and `NextResponse` that nextProxyCookies uses: `next` is no dependency. */
export interface NextProxyRequest {
  /** The raw Cookie header, read for every value of the session's name (Next's `cookies` keeps one per name). */
  headers?: { get(name: string): string | null };
  cookies: {
    get(name: string): { name: string; value: string } | undefined;
    getAll?(): { name: string; value: string }[];
    set(name: string, value: string): unknown;
  };
}
export interface NextProxyResponse {
  cookies: { set(name: string, value: string, options: CookieWriteOptions): unknown };
}

/**
 * iron-session 9's jar for Next.js `proxy.ts` (`middleware.ts` before Next 16). Next passes a cookie on to
 * the page being rendered only when it goes through `response.cookies.set()`; writing it to
 * `request.cookies` too lets code later in the proxy read the new session. So a session created or rotated
 * in the proxy is the one the render sees.
 */
export function nextProxyCookies(request: NextProxyRequest, response: NextProxyResponse): CookieJar {
  // Next's RequestCookies.set() rewrites the request's Cookie header too, so after a write both agree.
  const cookies = cookieStoreWithHeader({ get: (name) => request.cookies.get(name), set: () => undefined }, request.headers?.get("cookie"));
  return {
    read: (name) => cookies.get(name)?.value,
    readAll: (name) => cookies.getAll(name).map((cookie) => cookie.value),
    names: () => request.cookies.getAll?.().map((cookie) => cookie.name) ?? [],
    write: (name, value, options) => {
      response.cookies.set(name, value, options);
      request.cookies.set(name, value);
    },
  };
}

export function jarFromRequest(req: IncomingMessage | Request, res: ServerResponse | Response): SessionCookieJar {
  const header = isFetchRequest(req) ? req.headers.get("cookie") : req.headers.cookie;
  return {
    readAll: (name) => cookieHeaderValues(header ?? "", name),
    write: (name, value, options) => {
      const cookie = serializeCookie(name, value, options);
      if (isFetchResponse(res)) {
        res.headers.append("set-cookie", cookie);
        return;
      }
      const existing = res.getHeader("set-cookie");
      const others = (Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)]).filter(
        (c) => !c.startsWith(`${name}=`),
      );
      res.setHeader("set-cookie", [...others, cookie]);
    },
    assertWritable: () => {
      if ("headersSent" in res && res.headersSent) {
        throw new Error(
          "ironlink: Cannot set session cookie: session.save() was called after headers were sent. Make sure to call it before any res.send() or res.end()",
        );
      }
    },
  };
}

function isFetchRequest(req: IncomingMessage | Request): req is Request {
  return typeof (req.headers as Headers).get === "function";
}

function isFetchResponse(res: ServerResponse | Response): res is Response {
  return typeof (res as Response).headers?.append === "function";
}

/** Every value of one cookie in a Cookie header, in order; a value whose percent-encoding is malformed is left out. */
export function cookieHeaderValues(header: string, name: string): string[] {
  const values: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    const decoded = decodedOrUndefined(value);
    if (decoded !== undefined) values.push(decoded);
  }
  return values;
}

function decodedOrUndefined(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** A Set-Cookie header as iron-session writes it: by the `cookie` package, which it depends on too. */
export function serializeCookie(name: string, value: string, options: CookieWriteOptions): string {
  return serialize(name, value, options);
}
