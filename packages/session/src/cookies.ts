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

/** Reads and writes the session cookie, whatever the framework. */
export interface CookieJar {
  /**
   * Every value the request carries under the name, in header order. A Cookie header can hold several: one
   * set for another port of the host or for a parent domain is sent along with ours.
   */
  readAll(name: string): string[];
  write(name: string, value: string, options: CookieWriteOptions): void;
  /** Throws iron-session's error when the cookie can no longer be written (the response's headers are out). */
  assertWritable(): void;
}

export function jarFromCookieStore(store: CookieStore): CookieJar {
  const cookiesNamed = (name: string) => (typeof store.getAll === "function" ? store.getAll(name) : [store.get(name)]);
  return {
    readAll: (name) => cookiesNamed(name).flatMap((cookie) => (cookie ? [cookie.value] : [])),
    write: (name, value, options) => void store.set(name, value, options),
    assertWritable: () => undefined,
  };
}

/**
 * A cookie store for getSession that reads from the raw Cookie header, every value of a name, and writes to
 * `store`. Next's `cookies()` keeps one value per name, so on its own it would hide a second session cookie
 * someone planted, and could hand over theirs. With Next:
 * `getSession(cookieStoreWithHeader(await cookies(), (await headers()).get("cookie")), options)`.
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

/** The jar for either call form: a cookie store, or a request and its response. */
export function jarFor(args: [CookieStore] | [IncomingMessage | Request, ServerResponse | Response]): CookieJar {
  if (args.length === 1) {
    const [cookies] = args;
    if (!cookies || typeof cookies.get !== "function") {
      throw new SessionConfigError("ironlink: getIronSession(cookies, options) needs a cookie store, e.g. `await cookies()` from next/headers.");
    }
    return jarFromCookieStore(cookies);
  }
  const [req, res] = args;
  if (!req || !res) throw new SessionConfigError("ironlink: getIronSession(req, res, options) needs both a request and a response.");
  return jarFromRequest(req, res);
}

export function jarFromRequest(req: IncomingMessage | Request, res: ServerResponse | Response): CookieJar {
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
