/**
 * What a person is told while the session store does not answer, by every kit (one home for the words).
 * Only what is true: the store is out of reach, so nobody can tell whether the visitor is signed in. Nothing
 * is promised about the session: on a Redis without persistence a restart loses every session.
 */
export const storeOutage = {
  title: "Sign-in is temporarily unavailable",
  message: "We could not reach the session store, so we cannot tell whether you are signed in. Try again in a moment; if you are asked to sign in then, please sign in again.",
  /** How long a client is told to wait (the 503's Retry-After). */
  retryAfterSeconds: 5,
} as const;

/** The self-contained 503 page of an outage: no script, one <style> that carries the page's nonce (if any). */
export function storeOutagePage(nonce: string | undefined): string {
  const nonceAttribute = nonce ? ` nonce="${nonce.replace(/[^A-Za-z0-9+/=_-]/g, "")}"` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${storeOutage.title}</title>
<style${nonceAttribute}>body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111827;display:grid;place-items:center;min-height:100vh;margin:0}
main{background:#fff;border-radius:.75rem;padding:2rem;max-width:28rem;box-shadow:0 1px 3px rgb(0 0 0/.1)}</style></head>
<body><main role="alert"><h1>${storeOutage.title}</h1>
<p>${storeOutage.message}</p>
<p><a href="">Try again</a></p></main></body></html>`;
}
