import { randomBytes } from "node:crypto";
import { fleetHttp } from "@ironlink/session/fleet";

export const { staticAssetHeaders } = fleetHttp;

/**
 * The Next kit's security headers: the fleet's header set (one home, @ironlink/session/fleet) with the
 * page's nonce policy. The proxy, whose matcher leaves out /api/, sends them on every answer it makes or
 * lets through: pages, redirects and its own 503. The kit's route handlers under /api/ send them on their
 * own answers (handlers.ts). next.config sends `staticAssetHeaders` on the static assets, and the API set
 * (less Referrer-Policy and HSTS) on an app's own /api/ routes: neither passes the proxy.
 */

/** What the headers of one answer depend on: an API answer needs no nonce, a page always has one. */
export type SecurityHeadersRequest = { api: true; secure: boolean } | { api: false; nonce: string; dev: boolean; secure: boolean };

/** The request header that hands the proxy's nonce to the page (the layout's own <style> carries it). */
export const nonceRequestHeader = "x-nonce";

/** A fresh nonce for one page: 128 random bits, base64 (the form Next looks for in the policy). */
export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The headers of one answer.
 * - `api`: a JSON answer of /api/, which loads nothing and is never framed.
 * - `nonce`: the page's nonce; Next reads it from the request's policy and puts it on every script it renders.
 * - `dev`: `next dev`, whose React needs eval (for server error stacks) and whose overlay and hot reload insert styles.
 * - `secure`: the session cookie is Secure (config.cookieSecure), so the fleet is served over HTTPS: pin it.
 */
export function securityHeaders(request: SecurityHeadersRequest): Record<string, string> {
  return fleetHttp.securityHeaders({ policy: request.api ? fleetHttp.selfContainedPolicy : pagePolicy(request.nonce, request.dev), secure: request.secure });
}

function pagePolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': the nonced scripts may load Next's chunks; 'self' is for browsers that predate it.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // With a nonce present, 'unsafe-inline' would be ignored: dev mode gets 'unsafe-inline' instead of the nonce.
    `style-src 'self' ${dev ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    "object-src 'none'",
    "base-uri 'none'",
    // Server actions post to the page itself, sign-out to /api/logout: nothing leaves the app.
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
