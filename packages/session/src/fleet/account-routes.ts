import { webCookies } from "../cookies";
import { sessionInfo } from "../session";
import type { AccountPolicy, AccountResult } from "./accounts/account";
import type { Fleet } from "./fleet";
import { BodyError, isFormBody, readFields } from "./request-body";

/**
 * The account flows' JSON API (and the sign-out form's target), served by `fleet.handle` for a kit that
 * hosts it (its request context carries `accounts`): sign-in, registration, sign-out, the current user, and
 * the move of a stateless iron-session cookie into the store. The flows are `fleet.accounts`; this is their
 * HTTP face, the same in every kit.
 */
export const accountPaths = {
  session: "/api/session",
  migrate: "/api/session/migrate",
  login: "/api/login",
  /** The second step of a sign-in with two-step verification on: `{ code }` (the app's, or a recovery code). */
  loginCode: "/api/login/code",
  logout: "/api/logout",
  register: "/api/register",
} as const;

/** What a kit that hosts the account API says of its app: the policy, and where a sign-out form's browser goes. */
export interface AccountApi extends AccountPolicy {
  /** The sign-in page, or home on an app without one (its pages send the person on to the fleet's). */
  afterSignOut: string;
}

/** One request to the API, with what its route needs. */
interface Call {
  fleet: Fleet;
  request: Request;
  api: AccountApi;
  clientAddress: string | undefined;
  /** The answer's headers so far: a session's Set-Cookie lands here. */
  headers: Headers;
}
type Route = (call: Call) => Promise<Response>;

/** The routes by path, each with its methods. */
export const accountRoutes: Readonly<Record<string, Partial<Record<"GET" | "POST", Route>>>> = {
  [accountPaths.session]: { GET: currentUser },
  [accountPaths.migrate]: { GET: migrate },
  [accountPaths.login]: { POST: (call) => accountFlow(call, "signIn", 200) },
  [accountPaths.loginCode]: { POST: (call) => accountFlow(call, "verifySignInCode", 200) },
  [accountPaths.register]: { POST: (call) => accountFlow(call, "register", 201) },
  [accountPaths.logout]: { POST: logout },
};

/**
 * Runs a route: a state-changing request only from an exact origin of APP_ORIGINS (CSRF), a body it cannot
 * take answered with its 4xx. A store that does not answer throws on, for the kit's 503.
 */
export async function runAccountRoute(route: Route, call: Omit<Call, "headers">): Promise<Response> {
  const headers = new Headers({ "Cache-Control": "no-store" });
  const refused = call.request.method === "POST" ? call.fleet.originRefusal(call.request.headers) : undefined;
  if (refused) return json({ error: "forbidden_origin", message: refused }, 403, headers);
  try {
    return await route({ ...call, headers });
  } catch (error) {
    if (error instanceof BodyError) return json({ error: error.code, message: error.message }, error.status, headers);
    throw error;
  }
}

/** GET /api/session: the signed-in user, or 401. */
async function currentUser({ fleet, request, headers }: Call): Promise<Response> {
  const session = await fleet.sessions.getSession(webCookies(request, headers));
  if (!session.user) return json({ error: "unauthenticated", message: "Not signed in." }, 401, headers);
  return json({ user: session.user, signedInAt: session.signedInAt }, 200, headers);
}

/**
 * GET /api/session/migrate?next=/path: pages cannot write cookies, so a page that receives a stateless
 * iron-session cookie sends the browser here. The cookie's data moves into the store under a new session id
 * (accepted once), the cookie is replaced, and the browser goes back to where it was.
 */
async function migrate({ fleet, request, headers }: Call): Promise<Response> {
  const session = await fleet.sessions.getSession(webCookies(request, headers));
  if (sessionInfo(session).state === "legacy") await session.save();
  headers.set("Location", fleet.returnAddress(new URL(request.url).searchParams.get("next")).url);
  return new Response(null, { status: 303, headers });
}

/**
 * POST /api/login and /api/register with `{ username, password }`, and /api/login/code with `{ code }` after a
 * 401 "second_factor_required": the user, or why not (401, 409, 429, 503 …).
 */
async function accountFlow({ fleet, request, api, clientAddress, headers }: Call, flow: "signIn" | "register" | "verifySignInCode", successStatus: number): Promise<Response> {
  const input = await readFields(request);
  const session = await fleet.sessions.getSession(webCookies(request, headers));
  const context = {
    address: fleet.addressBucket(clientAddress),
    userAgent: (request.headers.get("user-agent") ?? "unknown browser").slice(0, 256),
    app: fleet.appName,
  };
  const run = flow === "verifySignInCode" ? fleet.accounts.twoStep.verifySignInCode : fleet.accounts[flow];
  return accountResponse(await run(session, input, context, api), successStatus, headers);
}

/**
 * POST /api/logout: ends the session in the store, so every app sees it signed out. `{"everywhere": true}`
 * (or the form field `scope=everywhere`) ends all the user's sessions. The sign-out buttons post here as
 * plain forms and get a redirect (`afterSignOut`); API clients get JSON. Both get Clear-Site-Data. A body
 * it cannot read is a plain sign-out; one over the size limit is a 413.
 */
async function logout({ fleet, request, api, headers }: Call): Promise<Response> {
  const isForm = isFormBody(request);
  const fields = await readFields(request, { forms: true, lenient: true });
  const everywhere = isForm ? fields.scope === "everywhere" : fields.everywhere === true;
  await fleet.accounts.signOut(await fleet.sessions.getSession(webCookies(request, headers)), { everywhere });
  headers.set("Clear-Site-Data", '"cookies"');
  if (!isForm) return json({ signedOut: true, everywhere }, 200, headers);
  headers.set("Location", api.afterSignOut);
  return new Response(null, { status: 303, headers });
}

/** The HTTP answer to an account flow: `{ user }`, or `{ error, message, fieldErrors }` with Retry-After when it says. */
function accountResponse(result: AccountResult, successStatus: number, headers: Headers): Response {
  if (result.ok) return json({ user: result.user }, successStatus, headers);
  if (result.retryAfterSeconds) headers.set("Retry-After", String(result.retryAfterSeconds));
  return json({ error: result.error, message: result.message, fieldErrors: result.fieldErrors }, result.status, headers);
}

/** JSON with the headers the route gathered (each fleet route sets its own Cache-Control). */
export function json(body: unknown, status: number, headers: Headers): Response {
  headers.set("Content-Type", "application/json");
  return new Response(JSON.stringify(body), { status, headers });
}
