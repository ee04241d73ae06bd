import { serializeCookie, webCookies } from "../cookies";
import { liveClientScript, livePaths, liveRefusals, liveStreamHeaders, openLiveStream } from "../live";
import { sessionInfo } from "../session";
import type { Fleet } from "./fleet";
import { storeOutage } from "./outage";
import { safeNextPath } from "./return-address";
import { selfContainedPolicy } from "./security-headers";
import {
  callbackPath,
  type CookieWrite,
  finishSignIn,
  type HandoffPage,
  handoffPageHtml,
  handoffPages,
  markSeenOn,
  sharesSignInCookie,
  startPath,
  startSignIn,
  startUrl,
} from "./satellite";
import { type AccountApi, accountPaths, accountRoutes, json, runAccountRoute } from "./account-routes";

/**
 * The fleet's HTTP face: the routes every app of the fleet serves the same way, whatever its framework, as
 * web-standard Request in, Response out. A kit passes what the Request cannot say (this app's public URL, the
 * client's address as it reads it) and serves the Response; `undefined` means the path is not the fleet's,
 * for the kit to pass on. A store that does not answer throws SessionStoreUnavailableError: each kit answers
 * its 503 as it does for its own routes.
 *
 * - GET START_PATH and CALLBACK_PATH: the cross-site sign-in of an app the sign-in cookie cannot reach;
 * - GET `livePaths.events` and `livePaths.script`: live sign-out, while IRONLINK_LIVE_SIGNOUT is on;
 * - GET `healthPath`: for load balancers;
 * - the account API (account-routes.ts), for a kit that hosts it.
 *
 * A path of the fleet's answers OPTIONS with its methods, and another method with 405.
 */
export interface FleetRequestContext {
  /** This app's origin (its publicUrl, one of APP_ORIGINS). Without it, the cross-site sign-in routes are not served. */
  publicUrl?: string | undefined;
  /** The client's address as the kit reads it (the socket's, or a trusted proxy's header): live streams are bounded per address. */
  clientAddress?: string | undefined;
  /** For a kit that hosts the account API (sign-in, registration, sign-out, the session): what its app chose. */
  accounts?: AccountApi | undefined;
}

/** A route with what it needs of the fleet and the kit already in hand. */
type Answer = (request: Request) => Promise<Response>;
/** A path's routes, by method (HEAD is GET's). */
type Methods = Partial<Record<"GET" | "POST", Answer>>;

/** The fleet's answer to `request`, or undefined when its path is none of the fleet's routes. */
export async function handleFleetRequest(fleet: Fleet, request: Request, context: FleetRequestContext = {}): Promise<Response | undefined> {
  const methods = routesAt(fleet, new URL(request.url).pathname.replace(/(.)\/$/, "$1"), context);
  return methods && answerMethod(methods, request);
}

function routesAt(fleet: Fleet, path: string, context: FleetRequestContext): Methods | undefined {
  const { accounts, clientAddress } = context;
  const account = accounts && accountRoutes[path];
  if (account) {
    const bind = (route: Parameters<typeof runAccountRoute>[0] | undefined): Answer | undefined =>
      route && ((request) => runAccountRoute(route, { fleet, request, api: accounts, clientAddress }));
    return { GET: bind(account.GET), POST: bind(account.POST) };
  }
  const get = routeFor(fleet, path, context);
  return get && { GET: get };
}

function answerMethod(methods: Methods, request: Request): Promise<Response> | Response {
  const method = request.method === "HEAD" ? "GET" : request.method;
  const names = Object.entries(methods).flatMap(([name, answer]) => (answer !== undefined ? [name] : []));
  // The Allow header: HEAD with GET, and OPTIONS always.
  const allow = [...names, ...(names.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort().join(", ");
  if (method === "OPTIONS") return new Response(null, { status: 204, headers: { Allow: allow } });
  const answer = method === "GET" || method === "POST" ? methods[method] : undefined;
  if (answer) return answer(request);
  return problem(405, "method_not_allowed", `Use ${names.join(" or ")}.`, new Headers({ Allow: allow, "Cache-Control": "no-store" }));
}

/** Where every app of the fleet answers its load balancer's probe. */
export const healthPath = "/api/health";

/** Every path `handleFleetRequest` may answer: a check without allocations, for a kit's every request. */
const fleetPaths: ReadonlySet<string> = new Set([healthPath, livePaths.events, livePaths.script, startPath, callbackPath, ...Object.values(accountPaths)]);
export const isFleetPath = (pathname: string): boolean => fleetPaths.has(pathname);

function routeFor(fleet: Fleet, path: string, { publicUrl, clientAddress }: FleetRequestContext): Answer | undefined {
  if (path === healthPath) return () => health(fleet);
  if (fleet.config.liveSignOut && path === livePaths.events) return (request) => events(fleet, request, clientAddress);
  if (fleet.config.liveSignOut && path === livePaths.script) return script;
  // Only an app the sign-in app's cookie cannot reach (a satellite) signs in with a code.
  if (!publicUrl || sharesSignInCookie(fleet.config, publicUrl)) return undefined;
  if (path === startPath) return (request) => start(fleet, request, publicUrl);
  if (path === callbackPath) return (request) => callback(fleet, request, publicUrl);
  return undefined;
}

/** START_PATH: a verifier for this browser in a cookie of this app's, then on to the fleet's sign-in page. */
async function start(fleet: Fleet, request: Request, publicUrl: string): Promise<Response> {
  const next = safeNextPath(new URL(request.url).searchParams.get("next"));
  const answer = await startSignIn(fleet.config, () => fleet.isSignInUp(), { publicUrl, next });
  if (answer.kind === "sign-in-down") return handoffPage("sign-in-down", startUrl(next), privateHeaders());
  return redirect(answer.location, withCookies(privateHeaders(), [answer.cookie]));
}

/** CALLBACK_PATH: the code redeemed through the shared store, this app's own cookie for the session, on to `next`. */
async function callback(fleet: Fleet, request: Request, publicUrl: string): Promise<Response> {
  const query = new URL(request.url).searchParams;
  // The raw header: a planted verifier must be seen beside ours (finishSignIn refuses both).
  const answer = await finishSignIn(fleet.config, fleet.handoff, { publicUrl, query, cookieHeader: request.headers.get("cookie") });
  const headers = withCookies(privateHeaders(), answer.clearVerifier);
  if (answer.kind === "refused") return redirect(answer.location, headers);
  if (answer.kind !== "signed-in") return handoffPage(answer.kind, startUrl(safeNextPath(query.get("next"))), headers);
  // Read through the session manager with the redeemed cookie alone: it rewrites the cookie for this app.
  const redeemed = new Request(request.url, { headers: { cookie: `${fleet.config.cookieName}=${answer.sessionCookie}` } });
  const session = await fleet.sessions.getSession(webCookies(redeemed, headers));
  markSeenOn(session, new URL(publicUrl).origin);
  await session.save();
  return redirect(answer.location, headers);
}

/**
 * `livePaths.events`: a signed-in tab's stream of its session's end (Server-Sent Events), so a tab left open
 * learns of a sign-out anywhere within a second. `?check=1` answers 204 while signed in, 401 once not: what
 * the page's script asks after an `ended` (a password change gives the same person a new session).
 */
async function events(fleet: Fleet, request: Request, clientAddress: string | undefined): Promise<Response> {
  const headers = new Headers({ "Cache-Control": "no-store" });
  const session = await fleet.sessions.getSession(webCookies(request, headers));
  const { publicId } = sessionInfo(session);
  if (!fleet.userOf(session.user) || !publicId) return problem(401, "unauthenticated", "Not signed in.", headers);
  if (new URL(request.url).searchParams.has("check")) return new Response(null, { status: 204, headers });
  const stream = eventStream();
  const opened = await openLiveStream(fleet.liveStreams(), publicId, {
    write: stream.write,
    end: stream.end,
    address: fleet.addressBucket(clientAddress),
  });
  if (opened === "gone") return problem(401, "unauthenticated", "Not signed in.", headers);
  if (opened === "busy" || opened === "limited") {
    const { status, error, message, retryAfterSeconds } = liveRefusals[opened];
    headers.set("Retry-After", String(retryAfterSeconds));
    return problem(status, error, message, headers);
  }
  stream.onCancel(opened);
  request.signal.addEventListener("abort", opened);
  for (const [name, value] of Object.entries(liveStreamHeaders)) headers.set(name, value);
  return new Response(stream.body, { headers });
}

/** A response body to write an event stream into; `onCancel` runs when the reader goes away. */
function eventStream() {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: (() => void) | undefined;
  // start() runs at once, so the controller is there before the first write.
  const body = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    cancel: () => cancelled?.(),
  });
  return {
    body,
    write: (chunk: string) => controller.enqueue(encoder.encode(chunk)),
    end: () => controller.close(),
    onCancel: (stop: () => void) => {
      cancelled = stop;
    },
  };
}

/**
 * `healthPath`: 200 while the session store answers, 503 while it does not, with the time it took. `redis`
 * (or `files`, with the file store) is "ok" or "down". Reads no session: a probe has none.
 */
async function health(fleet: Fleet): Promise<Response> {
  const started = performance.now();
  const ok = !fleet.isStoreDown() && (await fleet.ping().then(() => true, () => false));
  const latencyMs = Math.round((performance.now() - started) * 100) / 100;
  const { kind } = fleet.config.store;
  const body = { status: ok ? "ok" : "unavailable", store: kind, [kind === "redis" ? "redis" : "files"]: ok ? "ok" : "down", latencyMs };
  return json(body, ok ? 200 : 503, new Headers({ "Cache-Control": "no-store" }));
}

/** `livePaths.script`: what a signed-in page loads to hear of its session's end. */
const script: Answer = async () =>
  new Response(liveClientScript, { headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=300" } });

// The code travels in the callback's URL: no Referer carries it on, and no cache keeps the answer.
const privateHeaders = () => new Headers({ "Referrer-Policy": "no-referrer", "Cache-Control": "no-store" });

function withCookies(headers: Headers, writes: CookieWrite[]): Headers {
  for (const { name, value, options } of writes) headers.append("Set-Cookie", serializeCookie(name, value, options));
  return headers;
}

function redirect(location: string, headers: Headers): Response {
  headers.set("Location", location);
  return new Response(null, { status: 303, headers });
}

/** A hand-off page: self-contained, so it loads and runs nothing whatever headers the app adds. */
function handoffPage(kind: HandoffPage, retry: string | undefined, headers: Headers): Response {
  headers.set("Content-Type", "text/html; charset=utf-8");
  headers.set("Content-Security-Policy", selfContainedPolicy);
  if (kind === "sign-in-down") headers.set("Retry-After", String(storeOutage.retryAfterSeconds));
  return new Response(handoffPageHtml(kind, retry), { status: handoffPages[kind].status, headers });
}

/** An API refusal, `{ error, message }` as every kit's JSON answers are. */
function problem(status: number, error: string, message: string, headers: Headers): Response {
  return json({ error, message }, status, headers);
}
