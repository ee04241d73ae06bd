import { fleetHttp } from "@ironlink/session/fleet";

const { outage: storeOutage, selfContainedPolicy } = fleetHttp;
import type { Request, Response } from "express";

/** An answer the middleware gives instead of the app's: a code for programs, a sentence for people. */
export interface Refusal {
  status: number;
  error: string;
  title: string;
  message: string;
}

export const refusals = {
  unavailable: {
    status: 503,
    error: "unavailable",
    title: storeOutage.title,
    message: storeOutage.message,
  },
  unauthenticated: { status: 401, error: "unauthenticated", title: "Not signed in", message: "Not signed in." },
  secondFactorRequired: {
    status: 403,
    error: "second_factor_required",
    title: "One more step",
    message: "This needs a sign-in with two steps: a code or a passkey on the sign-in page.",
  },
} satisfies Record<string, Refusal>;

/** A state-changing request from an Origin outside APP_ORIGINS: the message names both. */
export function forbiddenOrigin(message: string): Refusal {
  return { status: 403, error: "forbidden_origin", title: "Cross-site request refused", message };
}

/** A browser navigating (its Accept puts HTML before JSON), as opposed to fetch(), curl or an API client. */
export function prefersHtml(req: Request): boolean {
  return req.accepts(["json", "html"]) === "html";
}

/** JSON `{ error, message }` for programs, a small self-contained page for browsers; never cached. */
export function refuse(req: Request, res: Response, refusal: Refusal): void {
  res.status(refusal.status).set("Cache-Control", "no-store");
  if (refusal.status === 503) res.set("Retry-After", String(storeOutage.retryAfterSeconds));
  if (!prefersHtml(req)) {
    res.json({ error: refusal.error, message: refusal.message });
    return;
  }
  // The page loads nothing and runs nothing, whatever headers the app adds.
  res.set("Content-Security-Policy", selfContainedPolicy).type("html").send(page(refusal));
}

// Escaped: a message may quote a request header (the refused Origin).
const page = ({ title, message }: Refusal) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body><main role="alert"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="">Try again</a></p></main></body></html>
`;

const htmlEntities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => htmlEntities[character]!);
