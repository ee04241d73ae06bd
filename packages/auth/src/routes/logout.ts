import { signOut, signOutEverywhere } from "../account";
import { getCurrentSession } from "../dal";
import { apiRoute, json } from "../http";

/**
 * POST /api/logout: ends the session in Redis, so every app sees it signed out. `{"everywhere": true}`
 * (or the form field `scope=everywhere`) ends all the user's sessions. The sign-out buttons post here as
 * plain forms and get a redirect to the login page; API clients get JSON. Both get Clear-Site-Data.
 */
export const POST = apiRoute(async (request) => {
  const isForm = (request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded");
  const everywhere = isForm ? (await request.formData()).get("scope") === "everywhere" : await wantsEverywhere(request);
  const session = await getCurrentSession();
  await (everywhere ? signOutEverywhere(session) : signOut(session));

  const response = isForm ? new Response(null, { status: 303, headers: { Location: "/login" } }) : json({ signedOut: true, everywhere });
  response.headers.set("Clear-Site-Data", '"cookies"');
  response.headers.set("Cache-Control", "no-store");
  return response;
});

async function wantsEverywhere(request: Request): Promise<boolean> {
  try {
    const body = (await request.json()) as { everywhere?: unknown } | null;
    return body?.everywhere === true;
  } catch {
    return false; // no body, or not JSON: a plain sign-out
  }
}
