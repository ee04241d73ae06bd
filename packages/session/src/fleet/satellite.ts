import { cookieHeaderValues } from "../cookies";
import type { CookieOptions } from "../options";
import type { FleetConfig } from "./config";
import { type Handoff, newVerifier } from "./handoff";
import { safeNextPath } from "./return-address";

/**
 * Sign-in across sites, the same for every kit: an app the sign-in app's cookie cannot reach (a
 * satellite) starts at its own START_PATH, which keeps a verifier in a cookie of its own and sends the
 * browser to LOGIN_URL; the sign-in app comes back to CALLBACK_PATH with a one-time code, which the
 * satellite redeems through the shared store. The kits only translate these answers into responses.
 */
export const startPath = "/api/ironlink/start";
export const callbackPath = "/api/ironlink/callback";
export const verifierCookieName = "ironlink_handoff";
/**
 * Its name on an app whose cookies are Secure: browsers take a `__Host-` cookie only from an HTTPS answer of
 * the host itself, host-only, with `Path=/` and `Secure`, so neither a sibling subdomain (`Domain=`) nor a
 * plain-HTTP answer (an attacker on the network before HSTS) can plant or overwrite one.
 */
export const secureVerifierCookieName = `__Host-${verifierCookieName}`;
/** Long enough to type a password (and a second try); the code itself lives a minute. */
const verifierLifetimeSeconds = 10 * 60;

const challengeShape = /^[A-Za-z0-9_-]{43}$/;

/** A satellite's START_PATH for `next` (a path of the app): where its anonymous visitors begin, and begin again. */
export function startUrl(next: string): string {
  return `${startPath}?next=${encodeURIComponent(next)}`;
}

/** Whether the fleet's cookie, set by the sign-in app, reaches `origin`; if not, the app there is a satellite. */
export function sharesSignInCookie(config: FleetConfig, origin: string): boolean {
  const host = new URL(origin).hostname;
  const domain = config.cookieDomain?.replace(/^\./, "");
  if (domain) return host === domain || host.endsWith(`.${domain}`);
  return host === new URL(config.loginUrl).hostname;
}

export interface CookieWrite {
  name: string;
  value: string;
  options: CookieOptions;
}

export type StartAnswer = { kind: "redirect"; location: string; cookie: CookieWrite } | { kind: "sign-in-down" };

/** The satellite's START_PATH: a verifier for this browser, and the way to the sign-in page. */
export async function startSignIn(config: FleetConfig, isSignInUp: () => Promise<boolean>, { publicUrl, next }: { publicUrl: string; next: string }): Promise<StartAnswer> {
  if (!(await isSignInUp())) return { kind: "sign-in-down" };
  const { verifier, challenge } = newVerifier();
  const login = new URL("/login", config.loginUrl);
  login.searchParams.set("next", new URL(next, publicUrl).href);
  login.searchParams.set("challenge", challenge);
  return { kind: "redirect", location: login.href, cookie: verifierCookie(config, verifier, verifierLifetimeSeconds) };
}

/** Where the sign-in app sends a signed-in person back to a satellite: with a code bound to its origin and challenge. */
export async function returnToSatellite(handoff: Handoff, session: object, { next, challenge }: { next: URL; challenge: unknown }): Promise<string> {
  if (typeof challenge !== "string" || !challengeShape.test(challenge)) {
    // No challenge (a link someone typed): the satellite starts over, with a verifier of its own.
    return new URL(startUrl(pathOf(next)), next.origin).href;
  }
  const code = await handoff.issue(session, { origin: next.origin, challenge });
  return callbackUrl(next, { code });
}

/** The sign-in page's "Cancel": back to the satellite, which then knows the person chose not to sign in. */
export function cancelUrl(next: URL): string {
  return callbackUrl(next, { error: "cancelled" });
}

export type CallbackAnswer =
  /** `sessionCookie` opens the person's session here: read it with the session manager, which rewrites it. */
  | { kind: "signed-in"; location: string; sessionCookie: string; clearVerifier: CookieWrite[] }
  /** A code that opened nothing: on to a URL without it, which shows why. */
  | { kind: "refused"; location: string; clearVerifier: CookieWrite[] }
  | { kind: "cancelled" | "cookie-missing" | "invalid" | "other-user"; clearVerifier: CookieWrite[] };

const pageErrors = new Set(["cancelled", "cookie-missing", "invalid", "other-user"] as const);
type PageError = typeof pageErrors extends Set<infer T> ? T : never;

/**
 * The satellite's CALLBACK_PATH: redeems the code through the store; every answer clears the verifier.
 * `cookieHeader` is the raw Cookie header (never a framework's cookie store, which keeps one of several
 * cookies of a name): the verifier comes from it, and so does the session this browser may have here already.
 */
export async function finishSignIn(
  config: FleetConfig,
  handoff: Handoff,
  { publicUrl, query, cookieHeader }: { publicUrl: string; query: URLSearchParams; cookieHeader: string | null | undefined },
): Promise<CallbackAnswer> {
  const clearVerifier = verifierClears(config);
  const error = query.get("error");
  if (pageErrors.has(error as PageError)) return { kind: error as PageError, clearVerifier };
  const next = safeNextPath(query.get("next"));
  const sent = verifierFrom(config, cookieHeader);
  // Several verifiers: one was planted. The code is spent as without any.
  const verifier = sent.kind === "one" ? sent.verifier : undefined;
  const redeemed = await handoff.redeem({ code: query.get("code") ?? "", origin: new URL(publicUrl).origin, verifier, cookieHeader: cookieHeader ?? undefined });
  if (redeemed?.kind === "signed-in") return { kind: "signed-in", location: next, sessionCookie: redeemed.sessionCookie, clearVerifier };
  const reason: PageError = redeemed?.kind === "other-user" ? "other-user" : sent.kind === "none" ? "cookie-missing" : "invalid";
  return { kind: "refused", location: `${callbackPath}?error=${reason}&next=${encodeURIComponent(next)}`, clearVerifier };
}

/** What the callback's Cookie header holds of the verifier. */
export type SentVerifier = { kind: "one"; verifier: string } | { kind: "none" } | { kind: "conflict" };

/**
 * The verifier this browser sent with the callback, from the raw Cookie header: exactly one, under the name
 * this app sets. Several of that name (one planted beside ours) are a conflict: no sign-in. A Secure app
 * reads only `__Host-`, which no other host and no plain-HTTP answer can set: an unprefixed one, which
 * anyone able to plant cookies can, is ignored, so it can neither sign anyone in nor block a real sign-in.
 */
export function verifierFrom(config: Pick<FleetConfig, "cookieSecure">, cookieHeader: string | null | undefined): SentVerifier {
  const values = cookieHeaderValues(cookieHeader ?? "", verifierCookieNameFor(config));
  if (values.length === 0) return { kind: "none" };
  return values.length === 1 ? { kind: "one", verifier: values[0]! } : { kind: "conflict" };
}

/** The one home of the verifier cookie's name: `__Host-` prefixed whenever the app's cookies are Secure. */
export function verifierCookieNameFor(config: Pick<FleetConfig, "cookieSecure">): string {
  return config.cookieSecure ? secureVerifierCookieName : verifierCookieName;
}

/** Adds `origin` to the places a session was used (FleetSessionData.seenOn), for the account page. */
export function markSeenOn(data: { seenOn?: unknown }, origin: string): void {
  const seen = Array.isArray(data.seenOn) ? data.seenOn.filter((entry): entry is string => typeof entry === "string") : [];
  if (!seen.includes(origin)) data.seenOn = [...seen, origin].slice(-20);
}

/** The pages a satellite shows instead of looping: plain text, as they carry no styles of their own. */
export const handoffPages = {
  "sign-in-down": {
    status: 503,
    title: "Sign-in is temporarily unavailable",
    body: "The fleet's sign-in service is not answering. You can keep using public pages; try signing in again in a moment.",
    retry: true,
  },
  cancelled: { status: 200, title: "Sign-in cancelled", body: "You chose not to sign in, so you are not signed in here.", retry: false },
  "cookie-missing": {
    status: 400,
    title: "Your browser did not keep a cookie",
    body: "Signing in here needs a short-lived cookie this site sets before sending you to sign in, and your browser did not send it back. Allow cookies for this site and try again.",
    retry: true,
  },
  invalid: { status: 400, title: "This sign-in link is no longer valid", body: "It was used already, has expired, or was meant for another site. Nothing was signed in.", retry: true },
  "other-user": {
    status: 409,
    title: "You are signed in as someone else here",
    body: "This browser is already signed in on this site with another account, and it stays so: the sign-in link was not used. To use the other account here, sign out on this site first, then sign in again.",
    retry: false,
  },
} as const;

export type HandoffPage = keyof typeof handoffPages;

/** A page of handoffPages as HTML, with a link to try again (`retry`) when the page offers one. */
export function handoffPageHtml(page: HandoffPage, retry: string | undefined): string {
  const { title, body } = handoffPages[page];
  const again = retry && handoffPages[page].retry ? `<p><a href="${escapeHtml(retry)}">Sign in again</a></p>` : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body><main role="alert"><h1>${title}</h1><p>${body}</p>${again}<p><a href="/">Home</a></p></main></body></html>`;
}

/**
 * The verifier cookie: host-only, HttpOnly, SameSite=Lax, minutes. Secure: `__Host-` prefixed, which demands
 * `Path=/` (the price of a cookie no one else can plant). Plain HTTP: only the callback's path sees it, as
 * before, since nothing is gained by sending it to every page.
 */
function verifierCookie(config: FleetConfig, value: string, maxAge: number): CookieWrite {
  const secure = config.cookieSecure;
  return { name: verifierCookieNameFor(config), value, options: { httpOnly: true, sameSite: "lax", secure, path: secure ? "/" : callbackPath, maxAge } };
}

/** Every answer of the callback clears the verifier; a Secure app also the unprefixed one it set before `__Host-` (or one planted host-only). */
function verifierClears(config: FleetConfig): CookieWrite[] {
  const clear = verifierCookie(config, "", 0);
  if (!config.cookieSecure) return [clear];
  return [clear, { name: verifierCookieName, value: "", options: { ...clear.options, path: callbackPath } }];
}

function callbackUrl(next: URL, params: Record<string, string>): string {
  const url = new URL(callbackPath, next.origin);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  url.searchParams.set("next", pathOf(next));
  return url.href;
}

const pathOf = (url: URL) => url.pathname + url.search + url.hash;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
