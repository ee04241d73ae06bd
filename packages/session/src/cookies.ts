import type { IncomingMessage, ServerResponse } from "node:http";
import type { NormalizedSessionOptions } from "./options";

/** What `await cookies()` gives in the Next.js App Router, or any store shaped like it. */
export interface CookieStore {
  get(name: string): { value: string } | undefined;
  set(name: string, value: string, options?: CookieWriteOptions): unknown;
}

export type CookieWriteOptions = NormalizedSessionOptions["cookieOptions"];

/** Reads and writes the session cookie, whatever the framework. */
export interface CookieJar {
  read(name: string): string | undefined;
  write(name: string, value: string, options: CookieWriteOptions): void;
}

export function jarFromCookieStore(store: CookieStore): CookieJar {
  return {
    read: (name) => store.get(name)?.value,
    write: (name, value, options) => void store.set(name, value, options),
  };
}

export function jarFromRequest(req: IncomingMessage | Request, res: ServerResponse | Response): CookieJar {
  const header = isFetchRequest(req) ? req.headers.get("cookie") : req.headers.cookie;
  return {
    read: (name) => parseCookieHeader(header ?? "", name),
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
  };
}

function isFetchRequest(req: IncomingMessage | Request): req is Request {
  return typeof (req.headers as Headers).get === "function";
}

function isFetchResponse(res: ServerResponse | Response): res is Response {
  return typeof (res as Response).headers?.append === "function";
}

/** The value of one cookie in a Cookie header; a malformed header yields undefined rather than an error. */
export function parseCookieHeader(header: string, name: string): string | undefined {
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function serializeCookie(name: string, value: string, options: CookieWriteOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`];
  if (options.maxAge !== undefined) {
    parts.push(`Max-Age=${Math.floor(options.maxAge)}`);
    parts.push(`Expires=${new Date(Date.now() + options.maxAge * 1000).toUTCString()}`);
  }
  if (options.domain) parts.push(`Domain=${options.domain}`);
  parts.push(`Path=${options.path}`);
  if (options.httpOnly) parts.push("HttpOnly");
  if (options.secure) parts.push("Secure");
  if (options.partitioned) parts.push("Partitioned");
  parts.push(`SameSite=${options.sameSite[0]!.toUpperCase()}${options.sameSite.slice(1)}`);
  return parts.join("; ");
}
