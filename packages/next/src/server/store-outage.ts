import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fleetHttp, processWide } from "@ironlink/session/fleet";

/**
 * The branded 503 for a page whose render met the session store down before the app knew (the proxy answers
 * it at once only once the store is known down). A page cannot choose its status, and a page that threw
 * would get Next's error page: so the data-access layer notes the failure here, and `ironlink-next`, which
 * holds the response, answers the 503 page instead of whatever Next made of it, if nothing was sent yet.
 * One per process (processWide): the app's server bundle has its own copy of this module (as client-address.ts).
 */
interface PageRequest {
  storeFailed: boolean;
}
const pageRequests = processWide("ironlink.page-requests", () => new AsyncLocalStorage<PageRequest>());

/** The data-access layer found the store down: this page request gets the 503 page (outside `ironlink-next`, nothing). */
export function noteStoreUnavailable(): void {
  const request = pageRequests.getStore();
  if (request) request.storeFailed = true;
}

/** Runs `handle` (Next's handler for `req`); a page request whose render noted the store down answers the 503 page. */
export function handleWithStoreOutage<T>(req: IncomingMessage, res: ServerResponse, handle: () => T): T {
  const method = req.method ?? "GET";
  const path = req.url ?? "/";
  if ((method !== "GET" && method !== "HEAD") || path.startsWith("/api/") || path.startsWith("/_next/")) return handle();
  const request: PageRequest = { storeFailed: false };
  answerOutageInstead(res, request, method === "HEAD");
  return pageRequests.run(request, handle);
}

/**
 * Decides at the response's first write (its head, or its first bytes when Next streams): once the store was
 * noted down, Next's answer is dropped (its writes and end still complete, unsent) and the 503 page goes out.
 */
function answerOutageInstead(res: ServerResponse, request: PageRequest, head: boolean): void {
  const { writeHead, write, end } = res;
  let replaced: boolean | undefined;
  const replace = (): boolean => {
    if (replaced !== undefined) return replaced;
    replaced = request.storeFailed && !res.headersSent;
    if (!replaced) return false;
    // The page's Content-Security-Policy (the proxy's) names the nonce the page's <style> must carry.
    const nonce = /'nonce-([^']+)'/.exec(String(res.getHeader("content-security-policy") ?? ""))?.[1];
    for (const name of ["content-length", "content-encoding", "etag", "vary", "transfer-encoding"]) res.removeHeader(name);
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("Retry-After", String(fleetHttp.outage.retryAfterSeconds));
    (writeHead as (this: ServerResponse, status: number) => ServerResponse).call(res, 503);
    (end as (this: ServerResponse, body?: string) => ServerResponse).call(res, head ? undefined : fleetHttp.outagePage(nonce));
    return true;
  };
  const done = (callback: unknown) => typeof callback === "function" && queueMicrotask(() => callback());
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse["writeHead"]>) {
    return replace() ? this : writeHead.apply(this, args);
  } as ServerResponse["writeHead"];
  res.write = function (this: ServerResponse, ...args: Parameters<ServerResponse["write"]>) {
    if (!replace()) return write.apply(this, args);
    done(args.at(-1));
    return true;
  } as ServerResponse["write"];
  res.end = function (this: ServerResponse, ...args: Parameters<ServerResponse["end"]>) {
    if (!replace()) return end.apply(this, args);
    done(args.at(-1));
    return this;
  } as ServerResponse["end"];
}
