// Plain JavaScript: next.config (index.js) imports it too, and Next loads a config's imports with Node
// itself, which cannot run TypeScript. Types: security-headers.d.ts.
import { randomBytes } from "node:crypto";

/**
 * The security headers of every Ironlink app, in one place. The proxy sends them on every answer it makes
 * or lets through: pages, API answers, redirects and its own 503. next.config sends `staticAssetHeaders` on
 * the static assets, which the proxy never sees.
 */

/** Headers that depend on nothing at request time: even static assets get them, from next.config. */
export const staticAssetHeaders = Object.freeze({
  // Browsers take a response only as what its Content-Type says: a JSON answer is never run as a script.
  "X-Content-Type-Options": "nosniff",
});

/** The request header that hands the proxy's nonce to the page (the layout's own <style> carries it). */
export const nonceRequestHeader = "x-nonce";

/** A fresh nonce for one page: 128 random bits, base64 (the form Next looks for in the policy). */
export function newNonce() {
  return randomBytes(16).toString("base64");
}

/**
 * The headers of one answer.
 * - `api`: a JSON answer of /api/, which loads nothing and is never framed.
 * - `nonce`: the page's nonce; Next reads it from the request's policy and puts it on every script it renders.
 * - `dev`: `next dev`, whose React needs eval (for server error stacks) and whose overlay and hot reload insert styles.
 * - `secure`: the session cookie is Secure (config.cookieSecure), so the fleet is served over HTTPS: pin it.
 *
 * @param {import("./security-headers").SecurityHeadersRequest} request
 * @returns {Record<string, string>}
 */
export function securityHeaders(request) {
  return {
    ...staticAssetHeaders,
    "Content-Security-Policy": request.api ? apiPolicy : pagePolicy(request.nonce, request.dev),
    // For browsers without frame-ancestors; both refuse every frame, of every origin, the fleet's own included.
    "X-Frame-Options": "DENY",
    // A sign-in URL carries a return address (`?next=`): other sites get the origin only.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    ...(request.secure ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}

const apiPolicy = "default-src 'none'; frame-ancestors 'none'";

/** @param {string} nonce @param {boolean} dev */
function pagePolicy(nonce, dev) {
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
