/**
 * The security headers of every answer of every app of the fleet, whatever its framework: one home. Each kit
 * adds its own Content-Security-Policy for its pages (the Next kit a nonce policy, the Express kit one for
 * server-rendered pages); anything that loads nothing (JSON, the fleet's own small pages) gets `selfContainedPolicy`.
 */

/** The policy of an answer that loads and runs nothing and is never framed: JSON, and the fleet's self-contained pages. */
export const selfContainedPolicy = "default-src 'none'; frame-ancestors 'none'";

/** Headers that depend on nothing at request time (even static assets get them). */
export const staticAssetHeaders: Readonly<Record<string, string>> = Object.freeze({
  // Browsers take a response only as what its Content-Type says: a JSON answer is never run as a script.
  "X-Content-Type-Options": "nosniff",
});

/**
 * The headers of one answer, with its Content-Security-Policy. `secure`: the session cookie is Secure
 * (config.cookieSecure), so the fleet is served over HTTPS: pin it.
 */
export function securityHeaders({ policy, secure }: { policy: string; secure: boolean }): Record<string, string> {
  return {
    ...staticAssetHeaders,
    "Content-Security-Policy": policy,
    // For browsers without frame-ancestors; both refuse every frame, of every origin, the fleet's own included.
    "X-Frame-Options": "DENY",
    // A sign-in URL carries a return address (`?next=`): other sites get the origin only.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    ...(secure ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}

/** The most an app of the fleet reads of a request body, in every kit: its forms and JSON are a few hundred bytes. */
export const maxBodyBytes = 16 * 1024;
